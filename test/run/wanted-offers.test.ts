import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWantedOffers } from '../../src/run/wanted-offers.js';

describe('the offers a run reads', () => {
  it("lists every row but the duplicates, by offer id, and finds each id's rows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2_147_483_647 }), { maxLength: 400 }),
        fc.array(fc.integer({ min: 0, max: 399 }), { maxLength: 20 }),
        (ids, duplicateSeqs) => {
          const wanted = createWantedOffers();
          ids.forEach((id, seq) => wanted.add(id, seq));
          const duplicates = new Map(duplicateSeqs.map((seq) => [seq, true]));
          const found = wanted.finish(duplicates);
          const expected = ids
            .map((offerId, seq) => ({ offerId, seq }))
            .filter(({ seq }) => !duplicates.has(seq))
            .sort((a, b) => a.offerId - b.offerId || a.seq - b.seq);
          expect([...found.entries()]).toEqual(expected);
          expect(found.size).toBe(expected.length);
          for (const id of [...ids, 0, 2_147_483_647]) {
            const seqs = expected.filter((entry) => entry.offerId === id).map((entry) => entry.seq);
            expect(found.seqsOf(id)).toEqual(seqs);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps row positions up to 2^32 - 1 apart from the ids beside them', () => {
    const wanted = createWantedOffers();
    for (let seq = 0; seq < 150_000; seq++) wanted.add(150_000 - seq, seq);
    const found = wanted.finish(new Map());
    expect(found.size).toBe(150_000);
    expect(found.seqsOf(1)).toEqual([149_999]);
    expect(found.seqsOf(150_000)).toEqual([0]);
    const edge = createWantedOffers();
    edge.add(2_147_483_647, 2 ** 32 - 1);
    edge.add(2_147_483_647, 0);
    expect(edge.finish(new Map()).seqsOf(2_147_483_647)).toEqual([0, 2 ** 32 - 1]);
  });
});
