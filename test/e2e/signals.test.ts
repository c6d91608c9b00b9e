import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { API_KEY, payoutCsv, readResults, runCli, tempDir, writeCsv } from '../support/helpers.js';
import {
  closeApplyRuns,
  inputRows,
  offersNotMatching,
  rowNumbers,
  startApplyRun,
  waitFor,
} from '../support/fault-helpers.js';

afterEach(closeApplyRuns);

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

/**
 * The `row` and `status`/`error_code` of every line of a large results file. Its cells here hold no quote
 * or comma (checked), so a split is exact and much quicker than a CSV parser on 400,000 lines.
 */
async function statusColumns(path: string): Promise<Array<{ row: number; status: string; code: string }>> {
  const text = await readFile(path, 'utf8');
  expect(text).not.toContain('"');
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header!.split(',');
  const [row, status, code] = ['row', 'status', 'error_code'].map((name) => names.indexOf(name));
  const torn = lines.filter((line) => line.split(',').length !== names.length);
  expect(torn).toEqual([]);
  return lines.map((line) => {
    const cells = line.split(',');
    return { row: Number(cells[row!]), status: cells[status!]!, code: cells[code!]! };
  });
}

describe('Ctrl-C during a large dry run', () => {
  it('exits 130 within seconds; every row has one results line, dry_run or skipped E_STOPPED_INTERRUPTED', async () => {
    const rows = 400_000;
    const dir = await tempDir();
    const input = await writeCsv(dir, 'big.csv', payoutCsv(rows));
    const log = join(dir, 'big.dry-run.log.jsonl');
    let pid = 0;
    const run = runCli(['apply', input, '--dry-run', '--quiet'], { onSpawn: (id) => (pid = id) });
    // Past the first pass: the log gets a line per row once the dry run is recording rows.
    await waitFor(() => size(log) > 1_000_000, 15_000);
    const signalledAt = performance.now();
    process.kill(pid, 'SIGINT');
    const stopped = await run;

    expect(performance.now() - signalledAt).toBeLessThan(8000);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).not.toMatch(/unexpected error|internal error/);
    const results = await statusColumns(join(dir, 'big.dry-run.results.csv'));
    // One line per input row, in input order (compared as a count of mismatches: a 400,000-item
    // toEqual is slow).
    expect(results).toHaveLength(rows);
    expect(results.filter((line, i) => line.row !== i + 2)).toEqual([]);
    const done = results.filter((line) => line.status === 'dry_run');
    const skipped = results.filter((line) => line.status === 'skipped');
    expect(done.length).toBeGreaterThan(0);
    expect(skipped.length).toBeGreaterThan(0);
    expect(done.length + skipped.length).toBe(rows);
    expect(skipped.filter((line) => line.code !== 'E_STOPPED_INTERRUPTED')).toEqual([]);
    // The rows recorded before the stop are a prefix: nothing after a skipped row was checked.
    expect(done.filter((line) => line.row > skipped[0]!.row)).toEqual([]);
  });
});

describe('Ctrl-C while apply is still checking the file', () => {
  it('exits 130 at once, says it was checking the file, and sends nothing', async (ctx: TestContext) => {
    const rows = 1_000_000;
    const sandbox = await startSandbox({ apiKey: API_KEY });
    ctx.onTestFinished(() => sandbox.close());
    const dir = await tempDir();
    const input = await writeCsv(dir, 'huge.csv', payoutCsv(rows));
    const out = join(dir, 'huge.results.csv');
    let pid = 0;
    const spawnedAt = performance.now();
    const run = runCli(['apply', input, '--base-url', sandbox.url], {
      env: { CAKE_API_KEY: API_KEY },
      onSpawn: (id) => (pid = id),
    });
    // The snapshot is taken under the run's lock, once the CLI listens for Ctrl-C, just before the check.
    await waitFor(() => existsSync(`${out}.snapshot`) || performance.now() - spawnedAt > 600, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = performance.now();
    process.kill(pid, 'SIGINT');
    const stopped = await run;

    expect(performance.now() - signalledAt).toBeLessThan(2500);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted while checking the file');
    expect(stopped.stderr).not.toMatch(/unexpected error|internal error/);
    expect(sandbox.stats.requests).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.journal`)).toBe(false);
    expect(existsSync(`${out}.snapshot`)).toBe(false);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});

describe('SIGHUP (the terminal closed) mid-run', () => {
  it('stops like SIGTERM: exit 130, summary printed, journal kept; --resume updates every row once', async () => {
    const rows = 200;
    const { server, out, apply, signal } = await startApplyRun(rows, { latencyMs: 100 }, [
      '--concurrency',
      '4',
    ]);
    const run = apply();
    await waitFor(() => server.stats.requests >= 8);
    signal('SIGHUP');
    const stopped = await run;

    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(new RegExp(`${rows} rows: \\d+ updated, \\d+ skipped`));
    expect(stopped.stderr).toContain(`--resume --out ${out}`);
    expect(existsSync(`${out}.journal`)).toBe(true);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    const skipped = results.filter((row) => row.status === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((row) => row.error_code === 'E_STOPPED_INTERRUPTED')).toBe(true);
    expect(results.filter((row) => row.status === 'updated')).toHaveLength(server.stats.requests);

    server.configure({ latencyMs: 0 });
    const resumed = await apply('--resume');
    expect(resumed.code).toBe(0);
    expect(server.stats.requests).toBe(rows);
    expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    expect((await readResults(out)).every((row) => row.status === 'updated')).toBe(true);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });
});
