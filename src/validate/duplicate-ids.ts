/**
 * Finds offer ids that appear on more than one row, in memory proportional to the row count at 13 bytes
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

/** Rows per block: the index grows a block at a time, never copying what it holds (no 2x moment). */
const BLOCK = 65_536;

interface Block {
  ids: Uint32Array;
  seqs: Uint32Array;
  rows: Float64Array;
  valid: Uint8Array;
}

export function createDuplicateIndex(): DuplicateIndex {
  const blocks: Block[] = [];
  let size = 0;
  /** Entries in use in block k (all but the last are full). */
  const filled = (k: number) => Math.min(BLOCK, size - k * BLOCK);
  return {
    add(offerId, seq, row, isValid) {
      if (size % BLOCK === 0) {
        blocks.push({
          ids: new Uint32Array(BLOCK),
          seqs: new Uint32Array(BLOCK),
          rows: new Float64Array(BLOCK),
          valid: new Uint8Array(BLOCK),
        });
      }
      const block = blocks[blocks.length - 1]!;
      const j = size % BLOCK;
      block.ids[j] = offerId;
      block.seqs[j] = seq;
      block.rows[j] = row;
      block.valid[j] = isValid ? 1 : 0;
      size++;
    },
    finish() {
      // Which ids repeat: sort a copy of the ids alone (native numeric sort, in place, no comparator), so
      // the only extra memory is that copy; a repeated id is rare, so the Set is small.
      const sorted = new Uint32Array(size);
      blocks.forEach((block, k) => sorted.set(block.ids.subarray(0, filled(k)), k * BLOCK));
      sorted.sort();
      const repeated = new Set<number>();
      for (let i = 1; i < size; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
      // Then each repeated id's rows, in input order.
      const groups = new Map<number, Array<{ seq: number; row: number }>>();
      let otherwiseValid = 0;
      blocks.forEach((block, k) => {
        for (let j = 0; j < filled(k); j++) {
          const id = block.ids[j]!;
          if (!repeated.has(id)) continue;
          let group = groups.get(id);
          if (!group) groups.set(id, (group = []));
          group.push({ seq: block.seqs[j]!, row: block.rows[j]! });
          otherwiseValid += block.valid[j]!;
        }
      });
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
