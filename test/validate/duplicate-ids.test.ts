import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDuplicateIndex } from '../../src/validate/duplicate-ids.js';

type Entry = [id: number, row: number, valid: boolean];

/** The obvious version: a Map of every id, rows told apart by their position. */
function naive(entries: Entry[]) {
  const byId = new Map<number, Array<{ seq: number; row: number; valid: boolean }>>();
  entries.forEach(([id, row, valid], seq) => byId.set(id, [...(byId.get(id) ?? []), { seq, row, valid }]));
  const bySeq = new Map<number, { row: number; others: number[] }>();
  let otherwiseValid = 0;
  for (const group of byId.values()) {
    if (group.length < 2) continue;
    for (const member of group) {
      bySeq.set(member.seq, {
        row: member.row,
        others: group.filter((other) => other.seq !== member.seq).map((other) => other.row),
      });
      if (member.valid) otherwiseValid++;
    }
  }
  return { bySeq, otherwiseValid };
}

function index(entries: Entry[]) {
  const found = createDuplicateIndex();
  entries.forEach(([id, row, valid], seq) => found.add(id, seq, row, valid));
  return found.finish();
}

describe('the duplicate-id index', () => {
  it('finds the same groups as a Map of every id, past its growth steps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean()), { maxLength: 3000 }),
        (cells) => {
          const entries = cells.map(([id, valid], i): Entry => [id, i + 2, valid]);
          expect(index(entries)).toEqual(naive(entries));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds repeats across its 65,536-row blocks', () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 200_000; i++) entries.push([1_000_000 + i, i + 2, i % 3 !== 0]);
    // Repeats of ids from the first block, in the second and the last.
    entries.push([1_000_005, 200_002, true], [1_000_070, 200_003, true]);
    entries[70_000] = [1_000_005, 70_002, true];
    const found = index(entries);
    expect(found).toEqual(naive(entries));
    expect(found.bySeq.get(5)).toEqual({ row: 7, others: [70_002, 200_002] });
  });

  it('handles ids up to the largest offer id', () => {
    expect(
      index([
        [2_147_483_647, 2, true],
        [1, 3, true],
        [2_147_483_647, 4, false],
      ]),
    ).toEqual({
      bySeq: new Map([
        [0, { row: 2, others: [4] }],
        [2, { row: 4, others: [2] }],
      ]),
      otherwiseValid: 1,
    });
  });

  it('catches a repeated id on a row numbered above 2^32 (a hand-edited results file)', () => {
    const found = index([
      [77, 2, true],
      [77, 2 ** 32 + 2, true],
    ]);
    expect(found.bySeq.get(1)).toEqual({ row: 2 ** 32 + 2, others: [2] });
    expect(found.bySeq.get(0)).toEqual({ row: 2, others: [2 ** 32 + 2] });
  });

  it('does not flag different offers that share a row number', () => {
    const found = index([
      [10, 5, true],
      [11, 5, true],
      [12, 5, true],
    ]);
    expect(found.bySeq.size).toBe(0);
  });
});
