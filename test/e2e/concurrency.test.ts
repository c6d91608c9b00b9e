import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Sandbox } from '../../src/sandbox/server.js';
import {
  API_KEY,
  payoutCsv,
  readLog,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  sandboxFor,
} from '../support/helpers.js';

async function applyRows(s: Sandbox, rows: number, ...flags: string[]) {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));
  const run = await runCli(['apply', input, '--timeout', '5000', ...flags], {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
  });
  const results = join(dirname(input), 'offers.results.csv');
  if (!existsSync(results)) throw new Error(`no results file; exit ${run.code}: ${run.stderr}`);
  return {
    run,
    results: await readResults(results),
    log: input.replace(/\.csv$/, '.log.jsonl'),
  };
}

describe.concurrent('--concurrency', () => {
  it.for([1, 3, 8])('never has more than %i requests in flight or connections open', async (limit, ctx) => {
    const s = await sandboxFor(ctx, { latencyMs: 30 });
    const { run, results } = await applyRows(s, 24, '--concurrency', String(limit));
    expect(run.code).toBe(0);
    expect(s.stats.requests).toBe(24);
    expect(s.stats.maxInFlight).toBeLessThanOrEqual(limit);
    expect(s.stats.maxInFlight).toBe(limit);
    expect(s.stats.connections).toBeLessThanOrEqual(limit);
    expect(results.every((r) => r.status === 'updated')).toBe(true);
  });

  it('defaults to 4 in flight', async (ctx) => {
    const s = await sandboxFor(ctx, { latencyMs: 30 });
    const { run } = await applyRows(s, 30);
    expect(run.code).toBe(0);
    expect(s.stats.maxInFlight).toBe(4);
    expect(s.stats.connections).toBeLessThanOrEqual(4);
  });

  it('stays within the limit while retrying, and still writes results in input order', async (ctx) => {
    const s = await sandboxFor(ctx, { latencyMs: 10, seed: 11, faults: { http503: 0.3 } });
    const { run, results } = await applyRows(s, 40, '--concurrency', '3', '--max-attempts', '8');
    expect(run.code).toBe(0);
    expect(s.stats.byAnswer.http503).toBeGreaterThan(0);
    expect(s.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(results.map((r) => Number(r.row))).toEqual([...Array(40).keys()].map((i) => i + 2));
    expect(results.map((r) => Number(r.offer_id))).toEqual([...Array(40).keys()].map((i) => i + 1));
    expect(results.every((r) => r.status === 'updated')).toBe(true);
    expect(results.reduce((sum, r) => sum + Number(r.attempts), 0)).toBe(s.stats.requests);
    expect(results.some((r) => Number(r.attempts) > 1)).toBe(true);
  });
});

describe.concurrent('--rate', () => {
  it('spaces request starts across the pool', async (ctx) => {
    const s = await sandboxFor(ctx, {});
    const { run, log } = await applyRows(s, 10, '--rate', '20', '--concurrency', '8');
    expect(run.code).toBe(0);
    const end = (await readLog(log)).find((line) => line.event === 'run_end') as { durationMs: number };
    // 10 starts at 20 per second: the last starts 9 * 50 ms after the first.
    expect(end.durationMs).toBeGreaterThanOrEqual(440);
  });

  it('keeps under a server limit that a burst of the same rows runs into', async (ctx) => {
    const burst = await sandboxFor(ctx, { maxRps: 5 });
    const unpaced = await applyRows(burst, 8, '--concurrency', '4', '--max-attempts', '1');
    expect(unpaced.run.code).toBe(1);
    expect(burst.stats.byAnswer['429']).toBeGreaterThan(0);

    const s = await sandboxFor(ctx, { maxRps: 5 });
    const { run } = await applyRows(s, 8, '--rate', '4', '--concurrency', '4', '--max-attempts', '1');
    expect(run.code).toBe(0);
    expect(s.stats.byAnswer['429']).toBeUndefined();
    expect(s.stats.requests).toBe(8);
  });
});
