import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createCircuitBreaker } from '../../src/send/circuit-breaker.js';
import { readResults } from '../support/helpers.js';
import {
  closeApplyRuns,
  inputRows,
  offersNotMatching,
  rowNumbers,
  startApplyRun,
} from '../support/fault-helpers.js';

describe('createCircuitBreaker', () => {
  it('opens after `threshold` rows in a row exhausted their retries', () => {
    const breaker = createCircuitBreaker(3);
    breaker.record('exhausted');
    breaker.record('exhausted');
    expect(breaker.open).toBe(false);
    breaker.record('exhausted');
    expect(breaker.open).toBe(true);
  });

  it.each(['success', 'other'] as const)('starts counting again after a row that ended %s', (outcome) => {
    const breaker = createCircuitBreaker(3);
    breaker.record('exhausted');
    breaker.record('exhausted');
    breaker.record(outcome);
    breaker.record('exhausted');
    breaker.record('exhausted');
    expect(breaker.open).toBe(false);
  });

  it('never opens with threshold 0', () => {
    const breaker = createCircuitBreaker(0);
    for (let i = 0; i < 1000; i++) breaker.record('exhausted');
    expect(breaker.open).toBe(false);
  });

  it('stays open once open', () => {
    const breaker = createCircuitBreaker(1);
    breaker.record('exhausted');
    breaker.record('success');
    expect(breaker.open).toBe(true);
  });
});

describe('a server that keeps failing', () => {
  afterEach(closeApplyRuns);

  it('stops after 10 rows in a row exhaust their retries: the rest skipped, exit 1, resume hint', async () => {
    const rows = 200;
    const { server, apply, out } = await startApplyRun(rows, { faults: { http503: 1 } });
    const run = await apply('--concurrency', '4', '--max-attempts', '2');

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/server looked down/);
    expect(run.stderr).toMatch(/--resume/);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    const failed = results.filter((row) => row.status === 'failed');
    const skipped = results.filter((row) => row.status === 'skipped');
    // The tenth exhausted row opens the breaker; the other three in flight end with it.
    expect(failed.length).toBeGreaterThanOrEqual(10);
    expect(failed.length).toBeLessThanOrEqual(10 + 3);
    expect(failed.length + skipped.length).toBe(rows);
    expect(skipped.every((row) => row.error_code === 'E_STOPPED_CIRCUIT')).toBe(true);
    expect(skipped[0]!.error).toMatch(/circuit breaker.*--resume/);
    expect(server.stats.requests).toBeLessThanOrEqual((10 + 3) * 2);
    expect(existsSync(`${out}.journal`)).toBe(true);
  });

  it('stops when every connection is refused, and --resume finishes once the server is back', async () => {
    const rows = 100;
    const { server, apply, out } = await startApplyRun(rows, {});
    await server.down();
    const stopped = await apply('--concurrency', '4', '--max-attempts', '3');

    expect(stopped.code).toBe(1);
    const left = await readResults(out);
    expect(rowNumbers(left)).toEqual(inputRows(rows));
    expect(left.filter((row) => row.error_code === 'E_CONNECT_REFUSED').length).toBeGreaterThanOrEqual(10);
    expect(left.filter((row) => row.error_code === 'E_STOPPED_CIRCUIT').length).toBeGreaterThan(rows / 2);

    await server.up();
    const resumed = await apply('--resume', '--concurrency', '4');
    expect(resumed.code).toBe(0);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    expect(server.stats.requests).toBe(rows);
  });

  it('does not count rows the API rejected (non-retryable): the run goes on', async () => {
    // Offers above 5 do not exist: 25 rows in a row answered Failure, none of them retryable.
    const { server, apply, out } = await startApplyRun(30, { maxOfferId: 5 });
    const run = await apply('--concurrency', '4');
    expect(run.code).toBe(1);
    const results = await readResults(out);
    expect(results.filter((row) => row.status === 'failed')).toHaveLength(25);
    expect(results.filter((row) => row.status === 'skipped')).toHaveLength(0);
    expect(server.stats.requests).toBe(30);
  });

  it('--breaker 0 never stops the run', async () => {
    const rows = 30;
    const { server, apply, out } = await startApplyRun(rows, { faults: { http503: 1 } });
    const run = await apply('--concurrency', '4', '--max-attempts', '1', '--breaker', '0');
    expect(run.code).toBe(1);
    const results = await readResults(out);
    expect(results.filter((row) => row.error_code === 'E_HTTP_503')).toHaveLength(rows);
    expect(server.stats.requests).toBe(rows);
  });
});
