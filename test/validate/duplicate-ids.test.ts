import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createDuplicateIndex } from '../../src/validate/duplicate-ids.js';

/** The obvious version: a Map of every id. */
function naive(entries: Array<[number, number, boolean]>) {
  const byId = new Map<number, Array<[number, boolean]>>();
  for (const [id, row, valid] of entries) byId.set(id, [...(byId.get(id) ?? []), [row, valid]]);
  const rows = new Map<number, number[]>();
  let otherwiseValid = 0;
  for (const group of byId.values()) {
    if (group.length < 2) continue;
    for (const [row, valid] of group) {
      rows.set(
        row,
        group.map(([r]) => r).filter((r) => r !== row),
      );
      if (valid) otherwiseValid++;
    }
  }
  return { rows, otherwiseValid };
}

describe('the duplicate-id index', () => {
  it('finds the same groups as a Map of every id, past its growth steps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.boolean()), { maxLength: 3000 }),
        (cells) => {
          const entries = cells.map(([id, valid], i): [number, number, boolean] => [id, i + 2, valid]);
          const index = createDuplicateIndex();
          for (const [id, row, valid] of entries) index.add(id, row, valid);
          expect(index.finish()).toEqual(naive(entries));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds repeats across its 65,536-row blocks', () => {
    const entries: Array<[number, number, boolean]> = [];
    for (let i = 0; i < 200_000; i++) entries.push([1_000_000 + i, i + 2, i % 3 !== 0]);
    // Repeats of ids from the first block, in the second and the last.
    entries.push([1_000_005, 200_002, true], [1_000_070, 200_003, true]);
    entries[70_000] = [1_000_005, 70_002, true];
    const index = createDuplicateIndex();
    for (const [id, row, valid] of entries) index.add(id, row, valid);
    const found = index.finish();
    expect(found).toEqual(naive(entries));
    expect(found.rows.get(7)).toEqual([70_002, 200_002]);
  });

  it('handles ids up to the largest offer id', () => {
    const index = createDuplicateIndex();
    index.add(2_147_483_647, 2, true);
    index.add(1, 3, true);
    index.add(2_147_483_647, 4, false);
    expect(index.finish()).toEqual({
      rows: new Map([
        [2, [4]],
        [4, [2]],
      ]),
      otherwiseValid: 1,
    });
  });
});
