import { describe, expect, it } from 'vitest';
import { createPool } from '../../src/send/pool.js';

/** A task that runs until `finish()` is called, counting how many run at once. */
function gate(counter: { running: number; most: number }) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const task = async () => {
    counter.running++;
    counter.most = Math.max(counter.most, counter.running);
    await done;
    counter.running--;
  };
  return { task, finish };
}

describe('the pool', () => {
  it('starts a task at once while a slot is free, and hands back a promise only when all are taken', async () => {
    const counter = { running: 0, most: 0 };
    const pool = createPool(2);
    const a = gate(counter);
    const b = gate(counter);
    const c = gate(counter);
    expect(pool.submit(a.task)).toBeUndefined();
    expect(pool.submit(b.task)).toBeUndefined();
    const waiting = pool.submit(c.task);
    expect(waiting).toBeInstanceOf(Promise);
    expect(counter.running).toBe(2);
    a.finish();
    await waiting;
    expect(counter.running).toBe(2);
    b.finish();
    c.finish();
    await pool.drain();
    expect(counter).toEqual({ running: 0, most: 2 });
  });

  it('never runs more than its concurrency, however fast tasks are submitted', async () => {
    const counter = { running: 0, most: 0 };
    const pool = createPool(3);
    for (let i = 0; i < 50; i++) {
      const { task, finish } = gate(counter);
      setTimeout(finish, i % 5);
      const slot = pool.submit(task);
      if (slot) await slot;
    }
    await pool.drain();
    expect(counter.most).toBe(3);
  });

  it('rejects drain() with the first task error: a bug, not a row failure', async () => {
    const pool = createPool(2);
    pool.submit(() => Promise.reject(new Error('first')));
    pool.submit(() => Promise.reject(new Error('second')));
    await expect(pool.drain()).rejects.toThrow('first');
  });
});
