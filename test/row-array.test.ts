import { describe, expect, it } from 'vitest';
import { MAX_ROWS, rowArray } from '../src/row-array.js';

describe('rowArray', () => {
  it('grows in place: what was written stays, and the same view sees the new entries', () => {
    const column = rowArray(Uint32Array);
    const view = column.array;
    expect(view.length).toBe(0);
    for (let i = 0; i < 200_000; i++) {
      column.fit(i + 1);
      view[i] = i * 3;
    }
    expect(view.length).toBeGreaterThanOrEqual(200_000);
    expect(column.array).toBe(view);
    expect(view[0]).toBe(0);
    expect(view[65_535]).toBe(65_535 * 3);
    expect(view[199_999]).toBe(199_999 * 3);
  });

  it('starts at the length asked for, with every entry zero', () => {
    const flags = rowArray(Uint8Array, 70_000).array;
    expect(flags.length).toBeGreaterThanOrEqual(70_000);
    expect(flags.every((flag) => flag === 0)).toBe(true);
  });

  it('holds 64-bit entries and sorts them in place', () => {
    const column = rowArray(BigUint64Array, 3);
    column.array.set([3n << 32n, 1n << 32n, (2n << 32n) | 7n]);
    column.array.subarray(0, 3).sort();
    expect([...column.array.subarray(0, 3)]).toEqual([1n << 32n, (2n << 32n) | 7n, 3n << 32n]);
  });

  it('refuses more than MAX_ROWS entries rather than wrapping around', () => {
    const column = rowArray(Float64Array);
    expect(() => column.fit(MAX_ROWS + 1)).toThrow(RangeError);
    expect(column.array.length).toBe(0);
  });
});
