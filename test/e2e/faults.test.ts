import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_FAULTS, pickFault, seededRandom, type FaultRates } from '../../src/sandbox/faults.js';
import { type SandboxOptions } from '../../src/sandbox/server.js';
import { API_KEY, readLog, readResults } from '../support/helpers.js';
import {
  closeApplyRuns,
  inputRows,
  offersNotMatching,
  rowNumbers,
  startApplyRun,
  waitFor,
} from '../support/fault-helpers.js';

/** Every kind of fault the sandbox has, at once: a quarter of attempts fail. */
const WEATHER: FaultRates = {
  http503: 0.08,
  http429: 0.03,
  reset: 0.03,
  resetAfterApply: 0.02,
  hang: 0.02,
  malformed: 0.03,
  throttleMessage: 0.03,
};
// 0.24^12 * 400 rows: about one chance in a million that a row fails by bad luck alone.
const SEND = ['--concurrency', '16', '--timeout', '500', '--max-attempts', '12'];

describe('seeded, combined faults', () => {
  it('draws each fault at its share from one seeded stream, and replays it for the same seed', () => {
    const draws = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20_000 }, () => pickFault(WEATHER, random));
    };
    const first = draws(42);
    expect(draws(42)).toEqual(first);
    expect(draws(43)).not.toEqual(first);
    for (const fault of Object.keys(NO_FAULTS) as Array<keyof FaultRates>) {
      const share = first.filter((drawn) => drawn === fault).length / first.length;
      expect(Math.abs(share - WEATHER[fault])).toBeLessThan(0.01);
    }
  });
});

describe('runs under injected faults', () => {
  afterEach(closeApplyRuns);

  const setUp = (rows: number, options: SandboxOptions) => startApplyRun(rows, { seed: 3, ...options }, SEND);

  it('every row ends updated, once, and the server state equals the file', async () => {
    const rows = 400;
    const { server, apply, out, log } = await setUp(rows, { faults: WEATHER });
    const run = await apply();

    expect(run.code).toBe(0);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    for (const fault of Object.keys(WEATHER)) expect(server.stats.byAnswer[fault]).toBeGreaterThan(0);
    // Every request the server saw is an attempt on some row's record, and every extra one was a retry.
    const attempts = results.reduce((sum, row) => sum + Number(row.attempts), 0);
    expect(attempts).toBe(server.stats.requests);
    const retries = (await readLog(log)).filter((line) => line.event === 'retry');
    expect(retries).toHaveLength(attempts - rows);
  });

  it('kill -9 twice under faults, then --resume: every row updated once, server state equal', async () => {
    const rows = 400;
    const { server, apply, signal, out } = await setUp(rows, { faults: WEATHER });
    for (const [i, point] of [120, 260].entries()) {
      const run = apply(...(i === 0 ? [] : ['--resume']));
      await waitFor(() => server.store.updates.size >= point);
      signal('SIGKILL');
      expect((await run).signal).toBe('SIGKILL');
    }
    const last = await apply('--resume');

    expect(last.code).toBe(0);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });

  it('a server that goes down for a moment and comes back: every row updated, nothing lost', async () => {
    const rows = 600;
    const { server, apply, out, log } = await setUp(rows, { latencyMs: 20 });
    const run = apply();
    await waitFor(() => server.stats.requests >= rows / 3);
    await server.down();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.up();

    expect((await run).code).toBe(0);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    const refused = (await readLog(log)).filter((line) => line.code === 'E_CONNECT_REFUSED');
    expect(refused.length).toBeGreaterThan(0);
  });

  it('a rejected key stops at the first answers (at most --concurrency requests), every row accounted for', async () => {
    const rows = 300;
    const { server, apply, out } = await setUp(rows, { apiKey: 'another-key' });
    const rejected = await apply();

    expect(rejected.code).toBe(2);
    expect(server.stats.requests).toBeGreaterThan(0);
    expect(server.stats.requests).toBeLessThanOrEqual(16);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.filter((row) => row.error_code === 'E_AUTH')).toHaveLength(server.stats.requests);
    expect(results.filter((row) => row.status === 'skipped')).toHaveLength(rows - server.stats.requests);

    server.configure({ apiKey: API_KEY });
    const resumed = await apply('--resume');
    expect(resumed.code).toBe(0);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
  });
});
