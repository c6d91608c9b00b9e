import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults } from '../support/helpers.js';
import { closeApplyRuns, inputRows, rowNumbers, startApplyRun, waitFor } from '../support/fault-helpers.js';

afterEach(closeApplyRuns);

// Large enough that the reader, however far ahead of the pool it may get, is still reading when the file changes.
const ROWS = 12_000;
/** The payout `payoutCsv` gives offer `id`: what the scan pass validated. */
const validated = (id: number) => (id % 97) + 0.25;

/** How the file can change under a run: a re-export that is shorter, the same length, or longer. */
const CHANGES: Array<[string, (text: string) => string]> = [
  [
    'truncated to 100 rows with payout 1',
    (text) =>
      text
        .split('\n')
        .slice(0, 101)
        .join('\n')
        .replace(/,[\d.]+$/gm, ',1'),
  ],
  [
    'edited in place to the same length: other payouts and a duplicate id',
    (text) => text.replace(/\.25$/gm, '.75').replace(/^12000,/m, '11999,'),
  ],
  [
    'appended 500 rows',
    (text) => `${text}${Array.from({ length: 500 }, (_, i) => `${5001 + i},9.5`).join('\n')}\n`,
  ],
];

describe('a spreadsheet changed while the run sends it', () => {
  it.each(CHANGES)('never sends a value the scan pass did not validate: %s', async (_name, change) => {
    const { server, input, out, apply } = await startApplyRun(ROWS);
    const run = apply('--concurrency', '4');
    await waitFor(() => server.stats.requests >= 300);
    const text = await readFile(input, 'utf8');
    await writeFile(input, change(text));
    const finished = await run;

    expect(finished.code).toBe(0);
    // Every row of the file as it was validated got exactly one results line, and was sent once.
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(ROWS));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
    expect(server.stats.requests).toBe(ROWS);
    expect([...server.store.updates.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: ROWS }, (_, i) => i + 1),
    );
    expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
    for (let id = 1; id <= ROWS; id++)
      expect(server.store.get(id)?.payout, `offer ${id}`).toBe(validated(id));
  });
});
