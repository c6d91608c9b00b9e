import { rowArray } from '../row-array.js';

/**
 * The offers whose current values a run reads: one (offer id, row position) pair a valid row, packed into
 * one 64-bit integer each and sorted by id, so a catalog page's offers are matched to rows by binary
 * search in 8 bytes a row, not a Map of the whole file.
 */
export interface WantedOffers {
  /** How many rows. */
  readonly size: number;
  /** Every row's offer id and position, in offer id order. */
  entries(): Generator<{ offerId: number; seq: number }>;
  /** The positions of the rows that name `offerId` (none, one, or the duplicates'). */
  seqsOf(offerId: number): number[];
}

const SHIFT = 32n;

export function createWantedOffers() {
  // row-array.ts says why not a plain typed array.
  const packed = rowArray(BigUint64Array);
  let size = 0;
  return {
    add(offerId: number, seq: number) {
      packed.fit(size + 1);
      packed.array[size] = (BigInt(offerId) << SHIFT) | BigInt(seq);
      size++;
    },
    /** Sorts by id; rows invalid only as duplicates are left out (they are never sent). */
    finish(duplicates: Map<number, unknown>): WantedOffers {
      const all = packed.array;
      let kept = 0;
      for (let i = 0; i < size; i++) {
        if (!duplicates.has(Number(all[i]! & 0xffffffffn))) all[kept++] = all[i]!;
      }
      const sorted = all.subarray(0, kept).sort();
      const idAt = (i: number) => Number(sorted[i]! >> SHIFT);
      return {
        size: sorted.length,
        *entries() {
          for (let i = 0; i < sorted.length; i++) {
            yield { offerId: idAt(i), seq: Number(sorted[i]! & 0xffffffffn) };
          }
        },
        seqsOf(offerId) {
          let lo = 0;
          let hi = sorted.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (idAt(mid) < offerId) lo = mid + 1;
            else hi = mid;
          }
          const seqs: number[] = [];
          for (let i = lo; i < sorted.length && idAt(i) === offerId; i++)
            seqs.push(Number(sorted[i]! & 0xffffffffn));
          return seqs;
        },
      };
    },
  };
}
