/**
 * Finds offer ids that appear on more than one row, in memory proportional to the row count at 9 bytes
 * a row (typed arrays, not a Map of every id), so a million-row file stays well inside the memory budget.
 */
export interface DuplicateIndex {
  /** `valid`: the row has no other problem, so the duplicate is what makes it invalid. */
  add(offerId: number, row: number, valid: boolean): void;
  finish(): Duplicates;
}

export interface Duplicates {
  /** Rows whose offer id also appears elsewhere, each with the other rows that share it. */
  rows: Map<number, number[]>;
  /** How many of those rows were added as valid: invalid only because of the duplicate. */
  otherwiseValid: number;
}

export function createDuplicateIndex(): DuplicateIndex {
  let ids: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let rows: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let valid: Uint8Array<ArrayBuffer> = new Uint8Array(1024);
  let size = 0;
  return {
    add(offerId, row, isValid) {
      if (size === ids.length) {
        ids = grow(ids, Uint32Array);
        rows = grow(rows, Uint32Array);
        valid = grow(valid, Uint8Array);
      }
      ids[size] = offerId;
      rows[size] = row;
      valid[size] = isValid ? 1 : 0;
      size++;
    },
    finish() {
      const order = new Uint32Array(size);
      for (let i = 0; i < size; i++) order[i] = i;
      const idsView = ids;
      order.sort((a, b) => idsView[a]! - idsView[b]! || a - b);
      const duplicates = new Map<number, number[]>();
      let otherwiseValid = 0;
      for (let start = 0; start < size;) {
        let end = start + 1;
        while (end < size && idsView[order[end]!] === idsView[order[start]!]) end++;
        if (end - start > 1) {
          const group: number[] = [];
          for (let k = start; k < end; k++) {
            group.push(rows[order[k]!]!);
            otherwiseValid += valid[order[k]!]!;
          }
          for (const row of group)
            duplicates.set(
              row,
              group.filter((other) => other !== row),
            );
        }
        start = end;
      }
      return { rows: duplicates, otherwiseValid };
    },
  };
}

function grow<T extends Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(
  array: T,
  Type: new (length: number) => T,
): T {
  const next = new Type(array.length * 2);
  next.set(array);
  return next;
}
