import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createAfterWrites } from '../../src/run/after-writes.js';

describe('work put off until after the writes', () => {
  it('runs after every immediate queued in the same turn (where undici writes), in the order deferred', async () => {
    const after = createAfterWrites();
    const order: string[] = [];
    after.defer(() => order.push('record 1'));
    setImmediate(() => order.push('write 1'));
    after.defer(() => order.push('record 2'));
    setImmediate(() => order.push('write 2'));
    expect(order).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(order).toEqual(['write 1', 'write 2', 'record 1', 'record 2']);
  });

  it('runs what is queued at once on flush, and nothing twice', async () => {
    const after = createAfterWrites();
    let runs = 0;
    after.defer(() => runs++);
    after.flush();
    expect(runs).toBe(1);
    await nextTurn();
    await nextTurn();
    expect(runs).toBe(1);
  });

  it('keeps the first error, still runs the rest, and throws it from the next defer', () => {
    const after = createAfterWrites();
    const full = new Error('disk full');
    let ran = false;
    after.defer(() => {
      throw full;
    });
    after.defer(() => {
      throw new Error('second');
    });
    after.defer(() => (ran = true));
    expect(() => after.flush()).not.toThrow();
    expect(ran).toBe(true);
    expect(after.failure).toBe(full);
    expect(() => after.defer(() => undefined)).toThrow(full);
  });
});
