type Kind =
  Uint8ArrayConstructor | Uint32ArrayConstructor | Float64ArrayConstructor | BigUint64ArrayConstructor;

/** Data rows one run takes at most: 8-byte entries of this many rows fill the 4 GB a buffer may reserve. */
export const MAX_ROWS = 2 ** 29;

/** Entries added at a time as an array grows. */
const STEP = 65_536;

/**
 * A typed array of per-row entries (offer ids, row positions, flags) that grows without copying and gives
 * its memory back to the system as soon as it is collected. It lives in a resizable ArrayBuffer: V8
 * reserves the address range up front and maps the pages itself as the buffer grows. A plain typed array's
 * memory comes from malloc instead, and once glibc's thresholds have risen (V8's own large allocations
 * raise them, at moments no run controls) glibc keeps freed blocks of that size for the rest of the
 * process: an index of a million rows that lived only through the scan stayed in the process's memory
 * through the whole send.
 * `array` follows the buffer as it grows; `fit(n)` makes entries 0 to n - 1 addressable.
 */
export function rowArray<K extends Kind>(
  Kind: K,
  length = 0,
): { array: InstanceType<K>; fit(length: number): void } {
  const buffer = new ArrayBuffer(0, { maxByteLength: MAX_ROWS * Kind.BYTES_PER_ELEMENT });
  const array = new Kind(buffer) as InstanceType<K>;
  const fit = (wanted: number) => {
    if (wanted <= array.length) return;
    if (wanted > MAX_ROWS) throw new RangeError(`more than ${MAX_ROWS} rows`);
    buffer.resize(Math.min(MAX_ROWS, Math.ceil(wanted / STEP) * STEP) * Kind.BYTES_PER_ELEMENT);
  };
  fit(length);
  return { array, fit };
}
