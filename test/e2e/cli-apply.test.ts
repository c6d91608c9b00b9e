import { copyFile, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import {
  API_KEY,
  FIXTURES,
  payoutCsv,
  readLog,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
} from '../support/helpers.js';

/** A sandbox for this test only, closed when it finishes (tests here run concurrently). */
async function sandbox(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

/** Copies a fixture into a fresh temp dir (results are written beside the input). */
async function fixture(name: string): Promise<{ dir: string; input: string }> {
  const dir = await tempDir();
  const input = join(dir, name);
  await copyFile(join(FIXTURES, name), input);
  return { dir, input };
}

function apply(s: Sandbox, input: string, ...flags: string[]): Promise<CliRun> {
  return runCli(['apply', input, '--timeout', '5000', ...flags], {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
  });
}

const resultsOf = (input: string) => input.replace(/\.csv$/, '.results.csv');
const logOf = (input: string) => input.replace(/\.csv$/, '.log.jsonl');

describe('a clean apply of fixtures/valid.csv', () => {
  let s: Sandbox;
  let input: string;
  let run: CliRun;
  let human: CliRun;
  let humanInput: string;
  let rows: Array<Record<string, string>>;

  beforeAll(async () => {
    s = await startSandbox({ apiKey: API_KEY });
    ({ input } = await fixture('valid.csv'));
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };
    run = await runCli(['apply', input, '--json'], { env });
    rows = await readResults(resultsOf(input));
    ({ input: humanInput } = await fixture('valid.csv'));
    const other = await startSandbox({ apiKey: API_KEY });
    human = await runCli(['apply', humanInput], { env: { ...env, CAKE_BASE_URL: other.url } });
    await other.close();
  });
  afterAll(() => s.close());

  it('exits 0 when every row is updated', () => {
    expect(run.stderr).not.toMatch(/warning/);
    expect(run.code).toBe(0);
  });

  it('prints a short human summary on stderr with the counts and where the files are', () => {
    expect(human.stderr).toContain('4 rows: 4 updated');
    expect(human.stderr).toContain(`results: ${resultsOf(humanInput)}`);
    expect(human.stderr).toContain(`log:     ${logOf(humanInput)}`);
    expect(human.stderr).not.toMatch(/next:/);
  });

  it('prints no human summary with --json: the JSON is the summary', () => {
    expect(run.stderr).toBe('');
  });

  it('prints exactly the documented --json summary on stdout', () => {
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual([
      'total',
      'updated',
      'unchanged',
      'failed',
      'invalid',
      'blocked',
      'not_found',
      'skipped',
      'dry_run',
      'results',
      'log',
      'undo',
    ]);
    expect(summary).toEqual({
      total: 4,
      updated: 4,
      unchanged: 0,
      failed: 0,
      invalid: 0,
      blocked: 0,
      not_found: 0,
      skipped: 0,
      dry_run: 0,
      results: resultsOf(input),
      log: logOf(input),
      undo: null,
    });
  });

  it('sends one request per row', () => {
    expect(s.stats.requests).toBe(4);
    expect(Object.fromEntries(s.store.updates)).toEqual({ 101: 1, 102: 1, 103: 1, 104: 1 });
  });

  it('writes one results line per row, in input order, with the spreadsheet line as row', () => {
    expect(rows.map((r) => [r.row, r.offer_id, r.status])).toEqual([
      ['2', '101', 'updated'],
      ['3', '102', 'updated'],
      ['4', '103', 'updated'],
      ['5', '104', 'updated'],
    ]);
  });

  it('writes the documented columns: row, the input columns, the outcome, the server values, the values before', async () => {
    const header = (await readFile(resultsOf(input), 'utf8')).split('\n')[0];
    expect(header).toBe(
      'row,offer_id,offer_name,offer_status,payout,revenue,expiration_date,' +
        'status,error_code,error,http_status,attempts,duration_ms,' +
        'result_offer_name,result_offer_status,result_payout,result_revenue,result_expiration_date,' +
        'before_offer_name,before_offer_status,before_payout,before_revenue,before_expiration_date,' +
        'payout_change_pct,revenue_change_pct',
    );
  });

  it('records http_status, attempts and what the server answered', () => {
    expect(rows[0]).toMatchObject({
      offer_status: 'ACTIVE',
      payout: '12.50',
      error_code: '',
      error: '',
      http_status: '200',
      attempts: '1',
      result_offer_name: 'Summer Promo',
      result_offer_status: 'active',
      result_payout: '12.5',
      result_revenue: '20',
      result_expiration_date: '2026-12-31 23:59:59',
    });
    expect(Number(rows[0]!.duration_ms)).toBeGreaterThanOrEqual(0);
  });

  it('sends offer_status lowercase, whatever the case in the sheet', () => {
    expect(s.store.offers.get(101)?.offer_status).toBe('active');
    expect(s.store.offers.get(102)?.offer_status).toBe('inactive');
    expect(s.store.offers.get(103)?.offer_status).toBe('pending');
  });

  it('sends expiration_date exactly as written', () => {
    expect(s.store.offers.get(101)?.expiration_date).toBe('2026-12-31 23:59:59');
    expect(s.store.offers.get(104)?.expiration_date).toBe('2027-02-28 10:00:00');
  });

  it('leaves out the fields whose cells are empty', () => {
    expect(s.store.offers.get(102)).toEqual({ ...s.store.initial(102), offer_status: 'inactive' });
    expect(s.store.offers.get(104)).toEqual({
      ...s.store.initial(104),
      payout: 3,
      expiration_date: '2027-02-28 10:00:00',
    });
  });

  it('sends quoted names with commas and quotes intact, and decimals as numbers', () => {
    expect(s.store.offers.get(103)).toMatchObject({
      offer_name: 'Cards, "Gold" - US',
      payout: 0.75,
      revenue: 1.2345,
    });
  });

  it('logs run_start, one attempt event per request, one row event per row and run_end', async () => {
    const log = await readLog(logOf(input));
    const events = log.map((line) => line.event);
    expect(events[0]).toBe('run_start');
    expect(events.at(-1)).toBe('run_end');
    expect(events.filter((e) => e === 'attempt')).toHaveLength(s.stats.requests);
    expect(events.filter((e) => e === 'row')).toHaveLength(4);
    expect(log.find((line) => line.event === 'attempt' && line.offer_id === 103)).toMatchObject({
      row: 4,
      attempt: 1,
      http_status: 200,
      outcome: 'success',
    });
    expect(log.at(-1)).toMatchObject({ event: 'run_end', total: 4, updated: 4 });
  });

  it('starts every log line the same way, whether pino or the row-line writer wrote it', async () => {
    const lines = (await readFile(logOf(input), 'utf8')).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) {
      expect(line).toMatch(
        /^\{"level":"info","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","event":"[a-z_]+"/,
      );
    }
  });

  it('removes its journal once the results file is complete', () => {
    expect(existsSync(`${resultsOf(input)}.journal`)).toBe(false);
  });
});

describe.concurrent('headers', () => {
  it('matches `Offer ID`, ` PAYOUT ` and `offer-status` and carries unknown columns untouched with one warning', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('headers.csv');
    const run = await apply(s, input);
    expect(run.code).toBe(0);
    expect(s.store.offers.get(201)).toMatchObject({ payout: 4.25, offer_status: 'active' });
    expect(s.store.offers.get(202)).toMatchObject({
      payout: s.store.initial(202)!.payout,
      offer_status: 'pending',
    });
    const warnings = run.stderr.split('\n').filter((line) => /warning/.test(line));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Account Manager, Notes');
    const rows = await readResults(resultsOf(input));
    expect(rows).toEqual([
      expect.objectContaining({
        row: '2',
        'Account Manager': 'Ann',
        'Offer ID': '201',
        ' PAYOUT ': '4.25',
        'offer-status': 'Active',
        Notes: 'keep, as "is"',
        status: 'updated',
      }),
      expect.objectContaining({ row: '3', 'Account Manager': 'Bob', ' PAYOUT ': '', Notes: '  spaced  ' }),
    ]);
  });

  it('refuses a known column given twice with exit 2, the file and line, and sends nothing', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('duplicate-column.csv');
    const run = await apply(s, input);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${input}:1`);
    expect(run.stderr).toMatch(/payout appears twice/);
    expect(s.stats.requests).toBe(0);
    expect(existsSync(resultsOf(input))).toBe(false);
  });

  it('refuses a file without an offer_id column with exit 2', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'no-id.csv', 'Advertiser,payout\n1,2\n');
    const run = await apply(s, input);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no offer_id column/);
    expect(s.stats.connections).toBe(0);
  });
});

describe.concurrent('structural CSV errors', () => {
  it.for([
    ['unclosed-quote.csv', 3, /quote/i],
    ['ragged-row.csv', 3, /header/],
  ] as const)(
    '%s: exits 2 naming the file and line %i, and sends nothing',
    async ([name, line, why], ctx) => {
      const s = await sandbox(ctx);
      const { input } = await fixture(name);
      const run = await apply(s, input);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${input}:${line}:`);
      expect(run.stderr).toMatch(why);
      expect(s.stats.connections).toBe(0);
      expect(existsSync(resultsOf(input))).toBe(false);
    },
  );

  it('finds a ragged row at the end of the file before sending any of the rows above it', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'late.csv', `${payoutCsv(50)}999,1,extra\n`);
    const run = await apply(s, input);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${input}:52:`);
    expect(s.stats.requests).toBe(0);
  });

  it('accepts rows whose extra fields are all empty', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('trailing-empty-fields.csv');
    const run = await apply(s, input);
    expect(run.code).toBe(0);
    expect((await readResults(resultsOf(input))).map((r) => r.status)).toEqual(['updated', 'updated']);
  });
});

describe.concurrent('invalid rows', () => {
  const expected: Array<[string, string, string, RegExp]> = [
    [
      '2',
      '301',
      'skipped',
      /not sent: 9 row\(s\) in the file are invalid or blocked; fix them or pass --skip-invalid/,
    ],
    ['3', '1.2345E+04', 'invalid', /offer_id "1\.2345E\+04": is in scientific notation/],
    ['4', '302', 'invalid', /payout "\$20": remove the currency symbol/],
    ['5', '303', 'invalid', /payout "1,234\.50": remove the thousands separators/],
    ['6', '304', 'invalid', /payout "20,50": has a decimal comma/],
    ['7', '305', 'invalid', /payout "1\.23456": has more than 4 decimal places/],
    ['8', '306', 'invalid', /payout "-1": must not be negative/],
    ['9', '307', 'invalid', /expiration_date "2026-02-30 10:00:00": is not a real calendar date-time/],
    ['10', '308', 'invalid', /nothing to change/],
    ['11', '309', 'invalid', /offer_status "paused": must be one of active, inactive, pending/],
    ['12', '310', 'skipped', /fix them or pass --skip-invalid/],
  ];

  it('sends nothing when any row is invalid, marks the valid rows skipped and exits 1', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('invalid.csv');
    const run = await apply(s, input);
    expect(run.code).toBe(1);
    expect(s.stats.connections).toBe(0);
    expect(run.stderr).toMatch(/11 rows: 9 invalid, 2 skipped/);
    const rows = await readResults(resultsOf(input));
    expect(rows.map((r) => [r.row, r.offer_id, r.status])).toEqual(
      expected.map(([row, id, status]) => [row, id, status]),
    );
    rows.forEach((r, i) => expect(r.error).toMatch(expected[i]![3]));
    expect(rows[0]!.error_code).toBe('E_FILE_HAS_INVALID_ROWS');
    expect(rows.map((r) => r.error_code).slice(1, 10)).toEqual([
      'E_OFFER_ID',
      'E_PAYOUT',
      'E_PAYOUT',
      'E_PAYOUT',
      'E_PAYOUT',
      'E_PAYOUT',
      'E_EXPIRATION_DATE',
      'E_NO_CHANGES',
      'E_OFFER_STATUS',
    ]);
    expect(rows.every((r) => r.attempts === '0' && r.http_status === '')).toBe(true);
    expect(run.stderr).toMatch(/9 invalid, 2 skipped/);
    expect(run.stderr).toContain(`cake-bulk rerun ${resultsOf(input)}`);
  });

  it('sends the valid rows with --skip-invalid and still exits 1', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('invalid.csv');
    const run = await apply(s, input, '--skip-invalid', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 11, updated: 2, invalid: 9, skipped: 0 });
    expect(s.stats.requests).toBe(2);
    expect([...s.store.updates.keys()].sort()).toEqual([301, 310]);
    const rows = await readResults(resultsOf(input));
    expect(rows.filter((r) => r.status === 'updated').map((r) => r.row)).toEqual(['2', '12']);
  });

  it('marks every row of a duplicated offer_id invalid and names the other rows', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('duplicate-ids.csv');
    const run = await apply(s, input, '--skip-invalid');
    expect(run.code).toBe(1);
    const rows = await readResults(resultsOf(input));
    expect(rows.map((r) => [r.row, r.status, r.error_code])).toEqual([
      ['2', 'invalid', 'E_DUPLICATE_OFFER_ID'],
      ['3', 'updated', ''],
      ['4', 'invalid', 'E_DUPLICATE_OFFER_ID'],
      ['5', 'updated', ''],
      ['6', 'invalid', 'E_DUPLICATE_OFFER_ID'],
    ]);
    expect(rows[0]!.error).toMatch(/offer_id 401 is also on rows 4, 6/);
    expect(rows[2]!.error).toMatch(/rows 2, 6/);
    expect(rows[4]!.error).toMatch(/rows 2, 4/);
    expect(s.store.updates.has(401)).toBe(false);
    expect(s.stats.requests).toBe(2);
  });

  /** Offer 701 twice; its second row also has a bad payout. */
  const twins = 'offer_id,payout\n701,1.5\n702,2\n701,abc\n';

  it('flags a duplicate even when its twin is invalid for another reason, and the dry run says the same', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'twins.csv', twins);
    const dry = await runCli(['apply', input, '--dry-run', '--json']);
    const run = await apply(s, input, '--skip-invalid', '--json');

    const expected = [
      ['2', 'invalid', 'E_DUPLICATE_OFFER_ID'],
      ['3', 'updated', ''],
      ['4', 'invalid', 'E_PAYOUT'],
    ];
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ updated: 1, invalid: 2 });
    const rows = await readResults(resultsOf(input));
    expect(rows.map((r) => [r.row, r.status, r.error_code])).toEqual(expected);
    expect(rows[0]!.error).toMatch(/offer_id 701 is also on row 4/);
    expect(s.store.updates.has(701)).toBe(false);
    expect(dry.code).toBe(1);
    const dryRows = await readResults(join(dir, 'twins.dry-run.results.csv'));
    expect(dryRows.map((r) => [r.row, r.status, r.error_code])).toEqual(
      expected.map(([row, status, code]) => [row, status === 'updated' ? 'dry_run' : status, code]),
    );
  });

  it('without --skip-invalid counts a row invalid only through its duplicate once in the refusal', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'twins.csv', twins);
    const run = await apply(s, input);
    expect(run.code).toBe(1);
    const rows = await readResults(resultsOf(input));
    expect(rows[1]).toMatchObject({ status: 'skipped', error_code: 'E_FILE_HAS_INVALID_ROWS' });
    expect(rows[1]!.error).toMatch(/^not sent: 2 row\(s\) in the file are invalid/);
    expect(s.stats.requests).toBe(0);
  });
});

describe.concurrent('row numbers', () => {
  it('numbers each row by the spreadsheet line it starts on, past multi-line cells and blank lines', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('multiline.csv');
    const run = await apply(s, input, '--skip-invalid');
    expect(run.code).toBe(1);
    const rows = await readResults(resultsOf(input));
    expect(rows.map((r) => [r.row, r.offer_id, r.status])).toEqual([
      ['2', '501', 'updated'],
      ['3', '502', 'invalid'],
      ['5', '503', 'updated'],
      ['8', '504', 'updated'],
    ]);
    expect(rows[1]!.error_code).toBe('E_OFFER_NAME');
    expect(rows[1]!.offer_name).toBe('Two\nLines');
    expect(rows[2]!.notes).toBe('note on\ntwo lines');
  });

  it('counts CRLF line ends once and carries a CRLF inside a quoted cell untouched', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'crlf.csv',
      'offer_id,payout,notes\r\n1,1,"two\r\nlines"\r\n\r\n2,2,plain\r\n3,3,\r\n',
    );
    const run = await apply(s, input);
    expect(run.code).toBe(0);
    const rows = await readResults(resultsOf(input));
    expect(rows.map((r) => [r.row, r.offer_id, r.notes])).toEqual([
      ['2', '1', 'two\r\nlines'],
      ['5', '2', 'plain'],
      ['6', '3', ''],
    ]);
  });
});

describe.concurrent('answers from the server', () => {
  it('marks an unknown offer id failed with E_API_FAILURE and the server message, without retrying', async (ctx) => {
    const s = await sandbox(ctx, { maxOfferId: 1000 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'in.csv', 'offer_id,payout\n5,1\n5000,2\n');
    const run = await apply(s, input);
    expect(run.code).toBe(1);
    const rows = await readResults(resultsOf(input));
    expect(rows[1]).toMatchObject({
      status: 'failed',
      error_code: 'E_API_FAILURE',
      error: 'Offer ID 5000 not found',
      http_status: '200',
      attempts: '1',
    });
    expect(s.stats.requests).toBe(2);
    expect(run.stderr).toMatch(/1 updated, 1 failed/);
  });

  it('marks a row failed with E_ECHO_MISMATCH when the server stores a different value, showing both', async (ctx) => {
    const s = await sandbox(ctx, { payoutDecimals: 2 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'in.csv', 'offer_id,payout\n7,1.2345\n8,1.25\n');
    const run = await apply(s, input);
    expect(run.code).toBe(1);
    const rows = await readResults(resultsOf(input));
    expect(rows[0]).toMatchObject({
      status: 'failed',
      error_code: 'E_ECHO_MISMATCH',
      http_status: '200',
      result_payout: '1.23',
    });
    expect(rows[0]!.error).toContain('payout: sent 1.2345, server has 1.23');
    expect(rows[1]).toMatchObject({ status: 'updated', result_payout: '1.25' });
  });
});

describe.concurrent('output files', () => {
  it('refuses to overwrite an existing results file without --force (exit 2, nothing sent)', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('valid.csv');
    expect((await apply(s, input)).code).toBe(0);
    const before = await readFile(resultsOf(input), 'utf8');
    const requests = s.stats.requests;

    const again = await apply(s, input);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect(s.stats.requests).toBe(requests);
    expect(await readFile(resultsOf(input), 'utf8')).toBe(before);

    const forced = await apply(s, input, '--force');
    expect(forced.code).toBe(0);
    expect(s.stats.requests).toBe(requests * 2);
  });

  it('writes the results and log where --out and --log say', async (ctx) => {
    const s = await sandbox(ctx);
    const { dir, input } = await fixture('valid.csv');
    const out = join(dir, 'mine.csv');
    const log = join(dir, 'mine.jsonl');
    const run = await apply(s, input, '--out', out, '--log', log, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ results: out, log });
    expect(await readResults(out)).toHaveLength(4);
    expect((await stat(log)).size).toBeGreaterThan(0);
    expect(existsSync(resultsOf(input))).toBe(false);
  });

  it('prints nothing with --quiet', async (ctx) => {
    const s = await sandbox(ctx);
    const { input } = await fixture('headers.csv');
    const run = await apply(s, input, '--quiet');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('');
  });

  it('treats a header without rows as nothing to do: exit 0, a warning, no request', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'empty.csv', 'offer_id,payout\n');
    const run = await apply(s, input, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ total: 0 });
    expect(run.stderr).toMatch(/warning: the file has a header but no data rows/);
    expect(s.stats.connections).toBe(0);
  });
});
