import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { API_KEY, readResults, runCli, tempDir, writeCsv, type CliRun } from '../support/helpers.js';

const sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});
async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, offers: 1000, ...options });
  sandboxes.push(s);
  return s;
}

/** Runs a command against the sandbox with current values read (as a user's apply and plan do). */
function cli(s: Sandbox, args: string[], cwd?: string): Promise<CliRun> {
  return runCli(args, { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url }, readCurrent: true, cwd });
}

/** A catalog where every status and guard has an offer to trip it. */
const CATALOG = [
  {
    offer_id: 1,
    offer_name: 'Loans - US',
    offer_status: 'active',
    payout: 40,
    revenue: 55,
    expiration_date: '2031-01-01 00:00:00',
  },
  {
    offer_id: 2,
    offer_name: 'Cards - CA',
    offer_status: 'active',
    payout: 45,
    revenue: 60,
    expiration_date: '2031-01-01 00:00:00',
  },
  {
    offer_id: 3,
    offer_name: 'Solar - AU',
    offer_status: 'inactive',
    payout: 10,
    revenue: 30,
    expiration_date: '2022-06-30 23:59:59',
  },
  {
    offer_id: 4,
    offer_name: 'Health - US',
    offer_status: 'active',
    payout: 20,
    revenue: 25,
    expiration_date: null,
  },
  {
    offer_id: 5,
    offer_name: 'VPN - DE',
    offer_status: 'paused',
    payout: 5,
    revenue: 9,
    expiration_date: '2031-01-01 00:00:00',
  },
];

describe('plan: what the file would change, before anything changes', () => {
  it('gives every status and guard its row, writes the plan file with before_* columns, and sends no update', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'q4.csv',
      [
        'offer_id,offer_status,payout,revenue,expiration_date,Notes',
        '1,,44,,,change',
        '2,active,45,,,unchanged',
        '3,active,,,,expired',
        '1000000,,5,,,not found',
        '4,,2,,,cut by 90%',
        '5,,7,6.5,,above its revenue',
        'abc,,1,,,invalid',
        '900,,1,,,duplicate a',
        '900,,2,,,duplicate b',
      ].join('\n'),
    );
    const run = await cli(s, ['plan', input]);
    expect(run.code).toBe(1);
    expect(s.stats.updates).toBe(0);
    const rows = await readResults(join(dir, 'q4.plan.csv'));
    expect(rows.map((r) => [r.Notes, r.status, r.error_code])).toEqual([
      ['change', 'change', ''],
      ['unchanged', 'unchanged', ''],
      ['expired', 'blocked', 'E_GUARD_EXPIRED'],
      ['not found', 'not_found', 'E_NOT_FOUND'],
      ['cut by 90%', 'blocked', 'E_GUARD_CHANGE'],
      ['above its revenue', 'blocked', 'E_GUARD_MARGIN'],
      ['invalid', 'invalid', 'E_OFFER_ID'],
      ['duplicate a', 'invalid', 'E_DUPLICATE_OFFER_ID'],
      ['duplicate b', 'invalid', 'E_DUPLICATE_OFFER_ID'],
    ]);
    expect(rows[0]).toMatchObject({
      before_payout: '40',
      payout_change_pct: '10.0',
      before_offer_status: '',
    });
    expect(rows[1]).toMatchObject({ before_offer_status: 'active', before_payout: '45' });
    expect(run.stderr).toMatch(/plan: 1 change, 1 unchanged, 3 invalid, 3 blocked, 1 not_found/);
    expect(run.stderr).toMatch(/row 2, offer 1: payout: 40 -> 44 \(\+10\.0%\)/);
  });

  it('blocks a payout cut by 90% (a lost decimal place) with both values, and lets it through with --max-change off', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'cut.csv', 'offer_id,payout\n2,4.50\n');
    const blocked = await cli(s, ['plan', input]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('payout 45 -> 4.5 changes by 90.0%, more than --max-change 50%');
    const allowed = await cli(s, ['plan', input, '--max-change', 'off']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/biggest payout moves down: offer 2 45 -> 4\.5 \(-90\.0%\)/);
  });

  it('shows a field List Offers does not report as unknown, and still plans to send it', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'exp.csv', 'offer_id,expiration_date\n4,2027-01-01 00:00:00\n');
    const run = await cli(s, ['plan', input]);
    expect(run.code).toBe(0);
    const [row] = await readResults(join(dir, 'exp.plan.csv'));
    expect(row).toMatchObject({ status: 'change', before_expiration_date: 'unknown' });
  });
});

describe('apply reads current values first', () => {
  it('skips unchanged rows, sends the changes, records before_* and writes an undo file that restores the catalog exactly', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'p.csv',
      'offer_id,offer_name,offer_status,payout,revenue\n1,Loans - US,inactive,44,\n2,,active,45,\n5,,,6,10\n',
    );
    const before = [1, 2, 5].map((id) => ({ ...s.store.get(id) }));
    const run = await cli(s, ['apply', input, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ updated: 2, unchanged: 1, undo: join(dir, 'p.undo.csv') });
    expect(s.stats.updates).toBe(2);
    const rows = await readResults(join(dir, 'p.results.csv'));
    expect(rows.map((r) => r.status)).toEqual(['updated', 'unchanged', 'updated']);
    expect(rows[0]).toMatchObject({
      before_offer_status: 'active',
      before_payout: '40',
      before_offer_name: 'Loans - US',
    });
    expect(await readFile(join(dir, 'p.undo.csv'), 'utf8')).toBe(
      'offer_id,offer_name,offer_status,payout,revenue\n1,,active,40,\n5,,,5,9\n',
    );
    const undo = await cli(s, ['apply', join(dir, 'p.undo.csv'), '--json']);
    expect(undo.code).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({ updated: 2 });
    expect([1, 2, 5].map((id) => ({ ...s.store.get(id) }))).toEqual(before);
  });

  it('sends nothing from a file with a blocked row, unless --skip-invalid', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'b.csv', 'offer_id,payout\n1,44\n2,4.5\n');
    const refused = await cli(s, ['apply', input]);
    expect(refused.code).toBe(1);
    expect(s.stats.updates).toBe(0);
    expect(existsSync(join(dir, 'b.undo.csv'))).toBe(false);
    expect((await readResults(join(dir, 'b.results.csv'))).map((r) => r.status)).toEqual([
      'skipped',
      'blocked',
    ]);
    const sent = await cli(s, ['apply', input, '--skip-invalid', '--force']);
    expect(sent.code).toBe(1);
    expect(s.stats.updates).toBe(1);
  });

  it('with --no-read-current sends without reading, and says what that turns off', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'n.csv', 'offer_id,payout\n2,4.5\n');
    const run = await cli(s, ['apply', input, '--no-read-current']);
    expect(run.code).toBe(0);
    expect(s.stats.reads).toBe(0);
    expect(run.stderr).toContain('current values were not read (--no-read-current)');
    expect(existsSync(join(dir, 'n.undo.csv'))).toBe(false);
  });
});

describe('reading many offers cheaply', () => {
  it('reads a 30-row file against 1,000,000 offers one offer at a time: at most 31 requests', async () => {
    const s = await sandbox({ offers: 1_000_000 });
    const dir = await tempDir();
    const ids = Array.from({ length: 30 }, (_, i) => 900_000 + i * 7);
    const input = await writeCsv(
      dir,
      'few.csv',
      `offer_id,offer_name\n${ids.map((id) => `${id},Name ${id}`).join('\n')}\n`,
    );
    const run = await cli(s, ['plan', input]);
    expect(run.code).toBe(0);
    expect(s.stats.reads).toBeLessThanOrEqual(31);
    expect(s.stats.updates).toBe(0);
  });

  it('reads a file covering most of a catalog page by page: at most pages + 1 requests', async () => {
    const s = await sandbox({ offers: 5000 });
    const dir = await tempDir();
    const lines = Array.from({ length: 3000 }, (_, i) => `${i + 1},Name ${i + 1}`);
    const input = await writeCsv(dir, 'many.csv', `offer_id,offer_name\n${lines.join('\n')}\n`);
    const run = await cli(s, ['plan', input]);
    expect(run.code).toBe(0);
    expect(s.stats.reads).toBeLessThanOrEqual(Math.ceil(5000 / 500) + 1);
    const rows = await readResults(join(dir, 'many.plan.csv'));
    expect(
      rows.every(
        (r) => r.status === 'change' && r.before_offer_name !== '' && r.before_offer_name !== 'unknown',
      ),
    ).toBe(true);
  });

  it('follows a server that answers pages shorter than asked, missing no offer', async () => {
    const s = await sandbox({ offers: 1200, maxRowLimit: 100 });
    const dir = await tempDir();
    const lines = Array.from({ length: 1200 }, (_, i) => `${i + 1},Name ${i + 1}`);
    const input = await writeCsv(dir, 'capped.csv', `offer_id,offer_name\n${lines.join('\n')}\n`);
    const run = await cli(s, ['plan', input]);
    expect(run.code).toBe(0);
    const rows = await readResults(join(dir, 'capped.plan.csv'));
    expect(rows.filter((r) => r.status !== 'change')).toEqual([]);
    expect(s.stats.reads).toBeLessThanOrEqual(13);
  });

  it('retries a read that failed (503) under the same pool, and never shows the query-string key', async () => {
    const s = await sandbox({ offers: 200, seed: 4, faults: { http503: 0.3 } });
    const dir = await tempDir();
    const lines = Array.from({ length: 20 }, (_, i) => `${i * 9 + 1},Name`);
    const input = await writeCsv(dir, 'r.csv', `offer_id,offer_name\n${lines.join('\n')}\n`);
    const run = await cli(s, ['apply', input, '--max-attempts', '8']);
    expect(run.code).toBe(0);
    expect(s.stats.byAnswer.http503).toBeGreaterThan(0);
    for (const name of await readdir(dir)) {
      const text = await readFile(join(dir, name), 'utf8');
      expect(text, name).not.toContain(API_KEY);
      expect(text, name).not.toContain('api_key=');
    }
    expect(run.stderr).not.toContain(API_KEY);
  });
});
