import { rowArray } from '../row-array.js';

/**
 * Finds offer ids that appear on more than one row, in memory proportional to the row count at 17 bytes
 * a row (typed arrays, not a Map of every id), so a million-row file stays well inside the memory budget.
 * Rows are told apart by their position in the file, never by their row number: a results file edited by
 * hand can repeat a number, or hold one too large for 32 bits.
 */
export interface DuplicateIndex {
  /**
   * A row with a valid offer id, `seq` its position among the data rows (rows come in file order).
   * `valid`: the row has no other problem, so a duplicate is what makes it invalid.
   */
  add(offerId: number, seq: number, row: number, valid: boolean): void;
  finish(): Duplicates;
}

export interface Duplicates {
  /** By position in the file (seq): the row's own number and those of the other rows with the same offer id. */
  bySeq: Map<number, { row: number; others: number[] }>;
  /** How many of those rows were added as valid: invalid only because of the duplicate. */
  otherwiseValid: number;
}

export function createDuplicateIndex(): DuplicateIndex {
  // Typed arrays by position among the added rows (row-array.ts says why not plain ones).
  const ids = rowArray(Uint32Array);
  const seqs = rowArray(Uint32Array);
  const rows = rowArray(Float64Array);
  const valid = rowArray(Uint8Array);
  let size = 0;
  return {
    add(offerId, seq, row, isValid) {
      // All four grow by the same steps, so one length check does for them.
      if (size === ids.array.length) for (const column of [ids, seqs, rows, valid]) column.fit(size + 1);
      ids.array[size] = offerId;
      seqs.array[size] = seq;
      rows.array[size] = row;
      valid.array[size] = isValid ? 1 : 0;
      size++;
    },
    finish() {
      // Which ids repeat: sort a copy of the ids alone (native numeric sort, in place, no comparator), so
      // the only extra memory is that copy; a repeated id is rare, so the Set is small.
      const sorted = rowArray(Uint32Array, size).array;
      sorted.set(ids.array.subarray(0, size));
      sorted.subarray(0, size).sort();
      const repeated = new Set<number>();
      for (let i = 1; i < size; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
      // Then each repeated id's rows, in input order.
      const groups = new Map<number, Array<{ seq: number; row: number }>>();
      let otherwiseValid = 0;
      for (let i = 0; i < size; i++) {
        const id = ids.array[i]!;
        if (!repeated.has(id)) continue;
        let group = groups.get(id);
        if (!group) groups.set(id, (group = []));
        group.push({ seq: seqs.array[i]!, row: rows.array[i]! });
        otherwiseValid += valid.array[i]!;
      }
      const bySeq = new Map<number, { row: number; others: number[] }>();
      for (const group of groups.values()) {
        for (const member of group) {
          const others = group.filter((other) => other.seq !== member.seq).map((other) => other.row);
          bySeq.set(member.seq, { row: member.row, others });
        }
      }
      return { bySeq, otherwiseValid };
    },
  };
}
