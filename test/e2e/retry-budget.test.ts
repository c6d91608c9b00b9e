import { afterEach, describe, expect, it } from 'vitest';
import { readLog, readResults } from '../support/helpers.js';
import { closeApplyRuns, startApplyRun } from '../support/fault-helpers.js';

afterEach(closeApplyRuns);

/** Applies `rows` rows against a sandbox that answers every request 503. */
async function applyToFlappingServer(rows: number, ...extra: string[]) {
  const {
    server,
    apply,
    out,
    log: logPath,
  } = await startApplyRun(rows, { faults: { http503: 1 } }, ['--breaker', '0']);
  const run = await apply(...extra);
  const results = await readResults(out);
  const log = await readLog(logPath);
  return { run, results, log, server };
}

describe('the retry budget', () => {
  it('caps retries across the run; once it is used up, retryable failures fail at once', async () => {
    const { run, results, log, server } = await applyToFlappingServer(
      20,
      '--concurrency',
      '1',
      '--max-attempts',
      '3',
      '--retry-budget',
      '3',
    );

    expect(run.code).toBe(1);
    // Row 1 takes two retries, row 2 the last one, every later row gets its first attempt only.
    expect(results.map((row) => Number(row.attempts))).toEqual([3, 2, ...Array(18).fill(1)]);
    expect(server.stats.requests).toBe(20 + 3);
    expect(log.filter((line) => line.event === 'retry')).toHaveLength(3);
    expect(log.find((line) => line.event === 'run_end')?.retries).toBe(3);
    expect(results.every((row) => row.status === 'failed' && row.error_code === 'E_HTTP_503')).toBe(true);
    expect(results[0]!.error).toMatch(/gave up after 3 attempts/);
    expect(results.slice(1).every((row) => /retry budget is used up/.test(row.error!))).toBe(true);
  });

  it('defaults to one retry per row to send (at least 100)', async () => {
    const rows = 150;
    const { results, log, server } = await applyToFlappingServer(
      rows,
      '--concurrency',
      '16',
      '--max-attempts',
      '3',
    );

    // Every row would take 2 retries; the budget allows 150 across the run.
    expect(log.find((line) => line.event === 'run_end')?.retries).toBe(rows);
    expect(server.stats.requests).toBe(rows + rows);
    expect(results.filter((row) => /retry budget is used up/.test(row.error!)).length).toBeGreaterThan(0);
  });

  it('--retry-budget 0 sends every row once and retries nothing', async () => {
    const { results, server } = await applyToFlappingServer(10, '--retry-budget', '0');
    expect(server.stats.requests).toBe(10);
    expect(results.every((row) => row.attempts === '1' && row.status === 'failed')).toBe(true);
  });
});
