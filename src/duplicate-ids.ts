/**
 * Finds offer ids that appear on more than one row, in memory proportional to the row count at 8 bytes
 * a row (typed arrays, not a Map of every id), so a million-row file stays well inside the memory budget.
 */
export interface DuplicateIndex {
  add(offerId: number, row: number): void;
  /** Rows whose offer id also appears elsewhere, each with the other rows that share it. */
  finish(): Map<number, number[]>;
}

export function createDuplicateIndex(): DuplicateIndex {
  let ids: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let rows: Uint32Array<ArrayBuffer> = new Uint32Array(1024);
  let size = 0;
  return {
    add(offerId, row) {
      if (size === ids.length) {
        ids = grow(ids);
        rows = grow(rows);
      }
      ids[size] = offerId;
      rows[size] = row;
      size++;
    },
    finish() {
      const order = new Uint32Array(size);
      for (let i = 0; i < size; i++) order[i] = i;
      const idsView = ids;
      order.sort((a, b) => idsView[a]! - idsView[b]! || a - b);
      const duplicates = new Map<number, number[]>();
      for (let start = 0; start < size;) {
        let end = start + 1;
        while (end < size && idsView[order[end]!] === idsView[order[start]!]) end++;
        if (end - start > 1) {
          const group: number[] = [];
          for (let k = start; k < end; k++) group.push(rows[order[k]!]!);
          for (const row of group)
            duplicates.set(
              row,
              group.filter((other) => other !== row),
            );
        }
        start = end;
      }
      return duplicates;
    },
  };
}

function grow(array: Uint32Array<ArrayBuffer>): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(array.length * 2);
  next.set(array);
  return next;
}
