import { readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it, type TestContext } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { API_KEY, readResults, runCli, tempDir, writeCsv, type CliRun } from '../support/helpers.js';

/** A sandbox for this test only, closed when it finishes (tests here run concurrently). */
async function sandbox(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

function cli(s: Sandbox, args: string[]): Promise<CliRun> {
  return runCli([...args, '--timeout', '5000'], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
}

/** Edits one cell of a results file the way a user would in a spreadsheet. */
async function editCell(path: string, row: string, column: string, value: string): Promise<void> {
  const records = parse(await readFile(path, 'utf8')) as string[][];
  const header = records[0]!;
  const target = records.find((record) => record[0] === row)!;
  target[header.indexOf(column)] = value;
  await writeFile(path, stringify(records));
}

/** An updated row, an unknown offer (failed), a fixable invalid row and another updated row. */
const MIXED = 'offer_id,payout,notes\n11,1,first\n5000,2,unknown offer\n12,$3,fix me\n13,4,last\n';

describe.concurrent('rerun', () => {
  it('sends only the rows that were not updated, carries the updated ones and revalidates a corrected row', async (ctx) => {
    const s = await sandbox(ctx, { maxOfferId: 1000 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', MIXED);
    const first = await cli(s, ['apply', input, '--skip-invalid']);
    expect(first.code).toBe(1);
    expect(s.stats.requests).toBe(3);
    const results = join(dir, 'offers.results.csv');
    expect((await readResults(results)).map((r) => r.status)).toEqual([
      'updated',
      'failed',
      'invalid',
      'updated',
    ]);

    await editCell(results, '4', 'payout', '3');
    const before = await readFile(results);
    const mtime = (await stat(results)).mtimeMs;

    const rerun = await cli(s, ['rerun', results, '--json']);
    expect(rerun.code).toBe(1);
    expect(s.stats.requests).toBe(3 + 2);
    expect(Object.fromEntries(s.store.updates)).toEqual({ 11: 1, 12: 1, 13: 1 });

    const out = join(dir, 'offers.rerun-1.results.csv');
    expect(JSON.parse(rerun.stdout)).toEqual({
      total: 4,
      updated: 3,
      unchanged: 0,
      failed: 1,
      invalid: 0,
      blocked: 0,
      not_found: 0,
      skipped: 0,
      dry_run: 0,
      results: out,
      log: join(dir, 'offers.rerun-1.log.jsonl'),
      undo: null,
    });
    const rows = await readResults(out);
    expect(rows.map((r) => [r.row, r.offer_id, r.payout, r.notes, r.status])).toEqual([
      ['2', '11', '1', 'first', 'updated'],
      ['3', '5000', '2', 'unknown offer', 'failed'],
      ['4', '12', '3', 'fix me', 'updated'],
      ['5', '13', '4', 'last', 'updated'],
    ]);
    expect(rows[0]).toMatchObject({ http_status: '200', attempts: '1', result_payout: '1' });
    expect(rows[1]).toMatchObject({ error_code: 'E_API_FAILURE', error: 'Offer ID 5000 not found' });
    expect(rows[2]).toMatchObject({ result_payout: '3', attempts: '1' });
    expect(s.store.offers.get(12)?.payout).toBe(3);

    expect(await readFile(results)).toEqual(before);
    expect((await stat(results)).mtimeMs).toBe(mtime);
    // With --json the JSON is the summary; the human one says the same.
    const human = await cli(s, ['rerun', results, '--dry-run', '--out', join(dir, 'again.csv')]);
    expect(human.stderr).toMatch(/carried over/);
  });

  it('numbers reruns: a rerun of a rerun writes <stem>.rerun-2.results.csv and sends only what still failed', async (ctx) => {
    const s = await sandbox(ctx, { maxOfferId: 1000 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n11,1\n5000,2\n');
    expect((await cli(s, ['apply', input])).code).toBe(1);
    expect((await cli(s, ['rerun', join(dir, 'offers.results.csv')])).code).toBe(1);
    expect(s.stats.requests).toBe(3);
    const second = await cli(s, ['rerun', join(dir, 'offers.rerun-1.results.csv')]);
    expect(second.code).toBe(1);
    expect(s.stats.requests).toBe(4);
    expect(existsSync(join(dir, 'offers.rerun-2.results.csv'))).toBe(true);
    expect((await readResults(join(dir, 'offers.rerun-2.results.csv'))).map((r) => r.status)).toEqual([
      'updated',
      'failed',
    ]);
  });

  it('sends failed rows again once the server is back, and exits 0 when all are updated', async (ctx) => {
    const s = await sandbox(ctx, { faults: { http503: 1 } });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n21,1\n22,2\n23,3\n');
    const first = await cli(s, ['apply', input, '--max-attempts', '1']);
    expect(first.code).toBe(1);
    const firstRows = await readResults(join(dir, 'offers.results.csv'));
    expect(firstRows.map((r) => [r.status, r.error_code, r.http_status])).toEqual([
      ['failed', 'E_HTTP_503', '503'],
      ['failed', 'E_HTTP_503', '503'],
      ['failed', 'E_HTTP_503', '503'],
    ]);
    expect(first.stderr).toContain(`cake-bulk rerun ${join(dir, 'offers.results.csv')}`);

    s.configure({ faults: {} });
    const rerun = await cli(s, ['rerun', join(dir, 'offers.results.csv')]);
    expect(rerun.code).toBe(0);
    expect(s.stats.requests).toBe(6);
    expect(s.stats.applied).toBe(3);
    const rows = await readResults(join(dir, 'offers.rerun-1.results.csv'));
    expect(rows.map((r) => [r.row, r.status, r.error_code])).toEqual([
      ['2', 'updated', ''],
      ['3', 'updated', ''],
      ['4', 'updated', ''],
    ]);
  });

  it('sends the rows skipped because of an invalid row once that row is fixed', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n31,1\n32,"20,50"\n33,3\n');
    expect((await cli(s, ['apply', input])).code).toBe(1);
    expect(s.stats.connections).toBe(0);
    const results = join(dir, 'offers.results.csv');
    expect((await readResults(results)).map((r) => r.status)).toEqual(['skipped', 'invalid', 'skipped']);

    await editCell(results, '3', 'payout', '20.50');
    const rerun = await cli(s, ['rerun', results]);
    expect(rerun.code).toBe(0);
    expect(s.stats.requests).toBe(3);
    expect(s.store.offers.get(32)?.payout).toBe(20.5);
    expect((await readResults(join(dir, 'offers.rerun-1.results.csv'))).map((r) => r.payout)).toEqual([
      '1',
      '20.50',
      '3',
    ]);
  });

  it('keeps a row that is still invalid invalid, and the rest skipped unless --skip-invalid', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n41,1\n42,$2\n');
    expect((await cli(s, ['apply', input])).code).toBe(1);
    const results = join(dir, 'offers.results.csv');

    const rerun = await cli(s, ['rerun', results]);
    expect(rerun.code).toBe(1);
    expect(s.stats.requests).toBe(0);
    expect(
      (await readResults(join(dir, 'offers.rerun-1.results.csv'))).map((r) => [r.status, r.error_code]),
    ).toEqual([
      ['skipped', 'E_FILE_HAS_INVALID_ROWS'],
      ['invalid', 'E_PAYOUT'],
    ]);

    const skipping = await cli(s, ['rerun', results, '--skip-invalid']);
    expect(skipping.code).toBe(1);
    expect(s.stats.requests).toBe(1);
    expect((await readResults(join(dir, 'offers.rerun-2.results.csv'))).map((r) => r.status)).toEqual([
      'updated',
      'invalid',
    ]);
  });

  it('shows with --dry-run only the rows a rerun would send, opening no connection', async (ctx) => {
    const s = await sandbox(ctx, { maxOfferId: 1000 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', MIXED);
    await cli(s, ['apply', input, '--skip-invalid']);
    const connections = s.stats.connections;
    const results = join(dir, 'offers.results.csv');
    await editCell(results, '4', 'payout', '3');
    const run = await cli(s, ['rerun', results, '--dry-run', '--show-requests']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'row 3: POST update_offer {"offer_id":5000,"payout":2}',
      'row 4: POST update_offer {"offer_id":12,"payout":3}',
    ]);
    expect(s.stats.connections).toBe(connections);
  });

  it('refuses a file that is not a results file with exit 2', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n');
    const run = await cli(s, ['rerun', input]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a cake-bulk results file/);
    expect(s.stats.connections).toBe(0);
  });
});
