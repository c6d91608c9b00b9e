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
      // Which ids repeat: sort a copy of the ids alone (native numeric sort, in place, no comparator), so
      // the only extra memory is that copy; a repeated id is rare, so the Set is small.
      const sorted = ids.slice(0, size).sort();
      const repeated = new Set<number>();
      for (let i = 1; i < size; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
      // Then each repeated id's rows, in input order.
      const groups = new Map<number, number[]>();
      let otherwiseValid = 0;
      for (let i = 0; i < size; i++) {
        const id = ids[i]!;
        if (!repeated.has(id)) continue;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = []));
        group.push(rows[i]!);
        otherwiseValid += valid[i]!;
      }
      const duplicates = new Map<number, number[]>();
      for (const group of groups.values()) {
        for (const row of group)
          duplicates.set(
            row,
            group.filter((other) => other !== row),
          );
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
