import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { API_KEY, FIXTURES, readLog, readResults, runCli, tempDir, type CliRun } from '../support/helpers.js';

/** A sandbox for this test only, closed when it finishes (tests here run concurrently). */
async function sandbox(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

async function fixture(name: string): Promise<string> {
  const input = join(await tempDir(), name);
  await copyFile(join(FIXTURES, name), input);
  return input;
}

/** A dry run with the key and base URL set, so "no connection" is the tool's choice, not a missing setting. */
function dryRun(s: Sandbox, input: string, ...flags: string[]): Promise<CliRun> {
  return runCli(['apply', input, '--dry-run', ...flags], {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
  });
}

const dryResultsOf = (input: string) => input.replace(/\.csv$/, '.dry-run.results.csv');

describe('a dry run of fixtures/valid.csv', () => {
  let s: Sandbox;
  let input: string;
  let run: CliRun;

  beforeAll(async () => {
    s = await startSandbox({ apiKey: API_KEY });
    input = await fixture('valid.csv');
    run = await dryRun(s, input, '--show-requests');
  });
  afterAll(() => s.close());

  it('exits 0 when every row is valid', () => {
    expect(run.code).toBe(0);
  });

  it('opens no connection: the server sees zero connections and zero requests', () => {
    expect(s.stats.connections).toBe(0);
    expect(s.stats.requests).toBe(0);
    expect(s.store.offers.size).toBe(0);
  });

  it('prints every request it would send with --show-requests, in input order, with exactly the fields that would be sent', () => {
    expect(run.stdout.trim().split('\n')).toEqual([
      'row 2: POST update_offer {"offer_id":101,"offer_name":"Summer Promo","offer_status":"active","payout":12.5,"revenue":20,"expiration_date":"2026-12-31 23:59:59"}',
      'row 3: POST update_offer {"offer_id":102,"offer_status":"inactive"}',
      'row 4: POST update_offer {"offer_id":103,"offer_name":"Cards, \\"Gold\\" - US","offer_status":"pending","payout":0.75,"revenue":1.2345}',
      'row 5: POST update_offer {"offer_id":104,"payout":3,"expiration_date":"2027-02-28 10:00:00"}',
    ]);
  });

  it('says on stderr how many rows would be sent and how to send them', () => {
    expect(run.stderr).toContain('4 rows: 4 would be sent');
    expect(run.stderr).toContain(`cake-bulk apply ${input}`);
  });

  it('records every valid row as dry_run in <stem>.dry-run.results.csv', async () => {
    const rows = await readResults(dryResultsOf(input));
    expect(rows.map((r) => [r.row, r.offer_id, r.status, r.attempts, r.http_status])).toEqual([
      ['2', '101', 'dry_run', '0', ''],
      ['3', '102', 'dry_run', '0', ''],
      ['4', '103', 'dry_run', '0', ''],
      ['5', '104', 'dry_run', '0', ''],
    ]);
  });

  it('logs each request it would send, and no attempt', async () => {
    const log = await readLog(input.replace(/\.csv$/, '.dry-run.log.jsonl'));
    const shown = log.filter((line) => line.event === 'row' && line.status === 'dry_run');
    expect(shown.map((line) => line.row)).toEqual([2, 3, 4, 5]);
    expect(shown.every((line) => typeof (line.request as { offer_id?: unknown }).offer_id === 'number')).toBe(
      true,
    );
    expect(log.filter((line) => line.event === 'attempt')).toEqual([]);
  });

  it('never shows the key', async () => {
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
    expect(await readFile(dryResultsOf(input), 'utf8')).not.toContain(API_KEY);
    expect(await readFile(input.replace(/\.csv$/, '.dry-run.log.jsonl'), 'utf8')).not.toContain(API_KEY);
  });
});

describe.concurrent('apply --dry-run', () => {
  it('leaves <stem>.results.csv free for the real run, and can itself be repeated', async (ctx) => {
    const s = await sandbox(ctx);
    const input = await fixture('valid.csv');
    expect((await dryRun(s, input)).code).toBe(0);
    expect(existsSync(input.replace(/\.csv$/, '.results.csv'))).toBe(false);
    expect((await dryRun(s, input)).code).toBe(0);
    expect(await readResults(dryResultsOf(input))).toHaveLength(4);
    expect(s.stats.connections).toBe(0);
    const apply = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
    expect(apply.code).toBe(0);
    expect(s.stats.requests).toBe(4);
  });

  it('needs no API key and no base URL, and prints only the summary with --json', async () => {
    const input = await fixture('valid.csv');
    const run = await runCli(['apply', input, '--dry-run', '--json']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual({
      total: 4,
      updated: 0,
      unchanged: 0,
      failed: 0,
      invalid: 0,
      blocked: 0,
      not_found: 0,
      skipped: 0,
      dry_run: 4,
      results: dryResultsOf(input),
      log: input.replace(/\.csv$/, '.dry-run.log.jsonl'),
      undo: null,
    });
  });

  it('exits 1 when some rows are invalid, recording them invalid and the rest dry_run', async (ctx) => {
    const s = await sandbox(ctx);
    const input = await fixture('invalid.csv');
    const run = await dryRun(s, input);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/11 rows: 9 invalid, 2 would be sent/);
    const rows = await readResults(dryResultsOf(input));
    expect(rows.filter((r) => r.status === 'dry_run').map((r) => r.offer_id)).toEqual(['301', '310']);
    expect(rows.find((r) => r.offer_id === '302')?.error).toMatch(/currency symbol/);
    expect(s.stats.connections).toBe(0);
    expect(run.stderr).toMatch(/fix the invalid rows/);
    // The invalid rows are on the terminal, each with its line, column, value and what is allowed.
    expect(run.stderr).toMatch(
      /^cake-bulk: row 4: payout "\$20": remove the currency symbol.* \[E_PAYOUT\]$/m,
    );
    expect(run.stderr.match(/^cake-bulk: row \d+: /gm)).toHaveLength(9);
    // The requests of the valid rows go to the log and the results, not to the terminal.
    expect(run.stdout).toBe('');
  });

  it('still refuses a structurally broken file with exit 2', async (ctx) => {
    const s = await sandbox(ctx);
    const input = await fixture('unclosed-quote.csv');
    const run = await dryRun(s, input);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${input}:3:`);
    expect(run.stdout).toBe('');
  });

  it('refuses offer names whose hidden characters change how they display', async () => {
    const dir = await tempDir();
    const input = join(dir, 'names.csv');
    await writeFile(
      input,
      'offer_id,offer_name\n1,Plain - US\n2,Promo \u202eSU\n3,Promo\u2028US\n4,Promo\u0085US\n',
    );
    const run = await runCli(['apply', input, '--dry-run', '--quiet']);
    expect(run.code).toBe(1);
    const rows = await readResults(dryResultsOf(input));
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['dry_run', ''],
      ['invalid', 'E_OFFER_NAME'],
      ['invalid', 'E_OFFER_NAME'],
      ['invalid', 'E_OFFER_NAME'],
    ]);
    expect(rows[1]!.error).toContain('U+202E');
  });
});
