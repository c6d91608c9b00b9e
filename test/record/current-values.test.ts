import { symlinkSync, truncateSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCurrentStore, currentValuesPath, type CurrentEntry } from '../../src/record/current-values.js';
import { openCurrentReader } from '../../src/record/current-reader.js';
import { tempDir } from '../support/helpers.js';

async function storePath(): Promise<string> {
  return currentValuesPath(join(await tempDir(), 'offers.results.csv'));
}

function readAll(path: string, runId: string, rows: number): Array<CurrentEntry | undefined> {
  const reader = openCurrentReader(path, runId, rows);
  if (!reader) throw new Error('no reader');
  try {
    return Array.from({ length: rows }, (_, seq) => reader.get(seq));
  } finally {
    reader.close();
  }
}

describe('the store of current values', () => {
  it('gives back, in file order, what was put in any order: values, unknowns, not found, failures', async () => {
    const path = await storePath();
    const entries: CurrentEntry[] = [
      {
        offer_name: 'Loans - US',
        offer_status: 'active',
        payout: 45,
        revenue: 55.125,
        expiration_date: '2027-01-01 00:00:00',
      },
      { offer_status: 'paused' },
      'not_found',
      { failed: 'E_HTTP_503: the server answered HTTP 503 (Service Unavailable) 5 times' },
      { offer_name: 'Crédit — 信用卡 🎯', payout: 0 },
      {},
    ];
    const store = createCurrentStore(path, 'run-a', entries.length + 1);
    for (const seq of [4, 0, 2, 5, 1, 3]) store.put(seq, entries[seq]!);
    store.finish();
    expect(readAll(path, 'run-a', entries.length + 1)).toEqual([...entries, undefined]);
  });

  it('keeps flat per row whatever the catalog: names go after the fixed records', async () => {
    const path = await storePath();
    const rows = 10_000;
    const store = createCurrentStore(path, 'run-b', rows);
    for (let seq = rows - 1; seq >= 0; seq--) store.put(seq, { offer_name: `Offer ${seq}`, payout: seq / 4 });
    store.finish();
    const reader = openCurrentReader(path, 'run-b', rows)!;
    for (let seq = 0; seq < rows; seq++) {
      expect(reader.get(seq)).toEqual({ offer_name: `Offer ${seq}`, payout: seq / 4 });
    }
    reader.close();
    const names = Array.from({ length: rows }, (_, seq) => `Offer ${seq}`).join('').length;
    expect(statSync(path).size).toBe(96 * (rows + 1) + names);
  });

  it('gives back thousands of rows put in runs, in a shuffle and with names of any length', async () => {
    const path = await storePath();
    const rows = 5_000;
    const name = (seq: number) =>
      seq === 777 ? 'x'.repeat(100_000) : `Offer ${seq} ${'é'.repeat(seq % 97)}`;
    const entry = (seq: number): CurrentEntry =>
      seq % 11 === 0 ? 'not_found' : { offer_name: name(seq), payout: seq / 4, offer_status: 'active' };
    // The first half in file order (written as runs), the second shuffled (a record at a time).
    const shuffled = Array.from({ length: rows / 2 }, (_, i) => rows / 2 + ((i * 7919) % (rows / 2)));
    const store = createCurrentStore(path, 'run-c', rows);
    for (let seq = 0; seq < rows / 2; seq++) store.put(seq, entry(seq));
    for (const seq of shuffled) store.put(seq, entry(seq));
    store.finish();
    const back = readAll(path, 'run-c', rows);
    expect(back.length).toBe(rows);
    for (let seq = 0; seq < rows; seq++) expect(back[seq]).toEqual(entry(seq));
  });

  it('reads a status or date too long for its slot as unknown, not cut', async () => {
    const path = await storePath();
    const store = createCurrentStore(path, 'run-c', 1);
    store.put(0, { offer_status: 'x'.repeat(31), expiration_date: 'y'.repeat(33), payout: 1 });
    store.finish();
    expect(readAll(path, 'run-c', 1)).toEqual([{ payout: 1 }]);
  });

  it('is not believed unless it is complete and of this run with these rows', async () => {
    const path = await storePath();
    const store = createCurrentStore(path, 'run-d', 2);
    store.put(0, { payout: 1 });
    store.close();
    // Killed mid-read: never marked complete.
    expect(openCurrentReader(path, 'run-d', 2)).toBeUndefined();
    const again = createCurrentStore(path, 'run-d', 2);
    again.put(0, { payout: 1 });
    again.finish();
    expect(openCurrentReader(path, 'run-other', 2)).toBeUndefined();
    expect(openCurrentReader(path, 'run-d', 3)).toBeUndefined();
    expect(openCurrentReader(`${path}.missing`, 'run-d', 2)).toBeUndefined();
    expect(readAll(path, 'run-d', 2)).toEqual([{ payout: 1 }, undefined]);
  });

  it('refuses a store whose names were cut short, rather than reading a wrong name', async () => {
    const path = await storePath();
    const store = createCurrentStore(path, 'run-e', 1);
    store.put(0, { offer_name: 'A name that will be cut' });
    store.finish();
    truncateSync(path, statSync(path).size - 5);
    const reader = openCurrentReader(path, 'run-e', 1)!;
    expect(() => reader.get(0)).toThrow(/cut short; start the run over with --force/);
    reader.close();
  });

  it('replaces a symlink at its path without writing through it, and reads none', async () => {
    const path = await storePath();
    const target = `${path}.target`;
    writeFileSync(target, 'precious\n');
    symlinkSync(target, path);
    expect(openCurrentReader(path, 'run-f', 1)).toBeUndefined();
    const store = createCurrentStore(path, 'run-f', 1);
    store.put(0, { payout: 2 });
    store.finish();
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(readAll(path, 'run-f', 1)).toEqual([{ payout: 2 }]);
  });
});
