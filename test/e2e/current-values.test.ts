import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Sandbox } from '../../src/sandbox/index.js';
import { waitFor } from '../support/fault-helpers.js';
import {
  API_KEY,
  CLI,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
  useSandboxes,
} from '../support/helpers.js';

const sandbox = useSandboxes({ offers: 1000 });

/** Runs a command against the sandbox with current values read (as a user's apply and plan do). */
function cli(s: Sandbox, args: string[], cwd?: string): Promise<CliRun> {
  return runCli(args, { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url }, readCurrent: true, cwd });
}

/** Runs a command against the sandbox and sends it SIGKILL as soon as `when` holds. */
async function killedWhen(s: Sandbox, args: string[], when: () => boolean): Promise<CliRun> {
  let pid = 0;
  const run = runCli(args, {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    readCurrent: true,
    onSpawn: (p) => (pid = p),
  });
  try {
    await waitFor(when, 20_000);
  } finally {
    process.kill(pid, 'SIGKILL');
  }
  return run;
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
    expect(refused.stderr).toContain(
      'nothing was sent: the file has 1 blocked row(s); fix them, or send the other rows with --skip-invalid',
    );
    expect(refused.stderr).toMatch(/the 1 blocked row\(s\) failed a guardrail .*cake-bulk rerun /);
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
  it('says which rows could not be read, and why, when reads keep failing', async () => {
    const s = await sandbox({ offers: 100, faults: { http503: 1 } });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'down.csv', 'offer_id,payout\n5,1\n6,2\n');
    const run = await cli(s, ['plan', input, '--max-attempts', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("not read: 2 row(s) whose offer's current values could not be read");
    const rows = await readResults(join(dir, 'down.plan.csv'));
    expect(rows.map((r) => r.error_code)).toEqual(['E_NOT_READ', 'E_NOT_READ']);
    for (const row of rows) expect(row.error).toMatch(/could not be read \(E_HTTP_503: HTTP 503/);
    expect(s.stats.updates).toBe(0);
  });
});

describe('the undo file survives what a run meets', () => {
  it('after kill -9 mid-run and --resume, applying the undo file restores the catalog as it was before the first run', async () => {
    const s = await sandbox({ offers: 5000, latencyMs: 15 });
    const dir = await tempDir();
    const ids = Array.from({ length: 200 }, (_, i) => i * 11 + 3);
    const lines = ids.map((id, i) => `${id},${i % 3 === 0 ? 'inactive' : 'pending'},${(i % 40) + 2.5}`);
    const input = await writeCsv(dir, 'big.csv', `offer_id,offer_status,payout\n${lines.join('\n')}\n`);
    const initial = ids.map((id) => ({ ...s.store.get(id) }));
    const flags = ['--max-change', 'off', '--allow-negative-margin', '--allow-expired', '--concurrency', '4'];
    expect((await killedWhen(s, ['apply', input, ...flags], () => s.stats.updates >= 60)).signal).toBe(
      'SIGKILL',
    );
    const undoText = await readFile(join(dir, 'big.undo.csv'), 'utf8');
    expect(undoText.trim().split('\n')).toHaveLength(201);
    const updatesBefore = s.stats.updates;
    s.configure({ latencyMs: 0 });
    const resumed = await cli(s, ['apply', input, '--resume', ...flags]);
    expect(resumed.code).toBe(0);
    // The resumed run kept the undo file written before the first update, and read nothing again.
    expect(await readFile(join(dir, 'big.undo.csv'), 'utf8')).toBe(undoText);
    // Rows the journal had recorded as updated were not sent again.
    expect(s.stats.updates - updatesBefore).toBeLessThan(200);
    // Applied as the summary says to: without the guardrails, the earlier state exactly.
    const printed = resumed.stderr.match(/put the changes back with: cake-bulk (apply .*)$/m)?.[1];
    expect(printed).toContain('--max-change off --allow-negative-margin --allow-expired');
    const undone = await cli(s, printed!.split(' '));
    expect(undone.code).toBe(0);
    // update_offer cannot set `paused` (List Offers' word), so those statuses stay as the run left them,
    // and the run said so; every other value is back exactly.
    const paused = initial.filter((offer) => offer.offer_status === 'paused').length;
    expect(paused).toBeGreaterThan(0);
    expect(resumed.stderr).toContain(`${paused} field(s) it cannot restore`);
    const now = ids.map((id) => ({ ...s.store.get(id) }));
    expect(
      now.map((offer, i) =>
        initial[i]!.offer_status === 'paused' ? { ...offer, offer_status: 'paused' } : offer,
      ),
    ).toEqual(initial);
  });

  it('after kill -9 while reading current values, --resume says nothing was sent and the plain command completes', async () => {
    const s = await sandbox({ offers: 1_000_000, latencyMs: 40 });
    const dir = await tempDir();
    // Ids far apart: one read each, so the read phase lasts long enough to be killed in.
    const lines = Array.from({ length: 120 }, (_, i) => `${(i + 1) * 7919},${(i % 9) + 1}`);
    const input = await writeCsv(dir, 'slow.csv', `offer_id,payout\n${lines.join('\n')}\n`);
    const flags = ['--max-change', 'off', '--allow-negative-margin', '--allow-expired'];
    expect((await killedWhen(s, ['apply', input, ...flags], () => s.stats.reads >= 20)).signal).toBe(
      'SIGKILL',
    );
    expect(s.stats.updates).toBe(0);
    const resumed = await cli(s, ['apply', input, '--resume', ...flags]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(
      /nothing to resume: .*stopped while reading current values, before its first update: run the same command without --resume/,
    );
    s.configure({ latencyMs: 0 });
    const again = await cli(s, ['apply', input, ...flags]);
    expect(again.code).toBe(0);
    expect(s.stats.applied).toBe(120);
    expect((await readResults(join(dir, 'slow.results.csv'))).map((r) => r.status)).toEqual(
      Array(120).fill('updated'),
    );
    expect((await readdir(dir)).sort()).toEqual(
      ['slow.csv', 'slow.log.jsonl', 'slow.results.csv', 'slow.undo.csv'].sort(),
    );
  });

  it('a rerun after a row whose update landed but whose answer was lost keeps the before-values of the first attempt', async () => {
    // Seed 1 draws no fault for the first request (the read) and a reset after applying for the second.
    const s = await sandbox({ catalog: CATALOG, seed: 1, faults: { resetAfterApply: 0.5 } });
    const dir = await tempDir();
    const input = await writeCsv(dir, 't.csv', 'offer_id,payout\n1,44\n');
    const first = await cli(s, ['apply', input, '--max-attempts', '1']);
    expect(first.code).toBe(1);
    expect(s.store.get(1)?.payout).toBe(44);
    const [failed] = await readResults(join(dir, 't.results.csv'));
    expect(failed).toMatchObject({ status: 'failed', before_payout: '40' });
    s.configure({ faults: {} });
    const rerun = await cli(s, ['rerun', join(dir, 't.results.csv')]);
    expect(rerun.code).toBe(0);
    const [again] = await readResults(join(dir, 't.rerun-1.results.csv'));
    // Read again, the offer would say 44 before: the rerun keeps the 40 the first attempt saw.
    expect(again).toMatchObject({ status: 'updated', before_payout: '40' });
    expect(await readFile(join(dir, 't.rerun-1.undo.csv'), 'utf8')).toBe('offer_id,payout\n1,40\n');
  });
});

describe('on a terminal, apply asks before sending', () => {
  /** Runs apply in a terminal (script(1) gives it one), answering the question with `answer` once asked. */
  const onTerminal = (s: Sandbox, dir: string, answer: string, extra = '') =>
    new Promise<string>((resolve, reject) => {
      const command = `cd ${dir} && CAKE_API_KEY=${API_KEY} ${process.execPath} ${CLI} apply q.csv --base-url ${s.url} ${extra}`;
      const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`);
      });
      child.on('error', reject);
      child.on('close', () => resolve(output));
    });

  it('shows the review and sends nothing when the answer is not yes', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    await writeCsv(dir, 'q.csv', 'offer_id,payout\n1,44\n');
    const output = await onTerminal(s, dir, 'n');
    expect(output).toContain('row 2, offer 1: payout: 40 -> 44 (+10.0%)');
    expect(output).toMatch(/Send 1 update to 127\.0\.0\.1:\d+\? \[y\/N\]/);
    expect(s.stats.updates).toBe(0);
  });

  it('sends on yes, and does not ask with --yes', async () => {
    const s = await sandbox({ catalog: CATALOG });
    const dir = await tempDir();
    await writeCsv(dir, 'q.csv', 'offer_id,payout\n1,44\n');
    await onTerminal(s, dir, 'y');
    expect(s.stats.updates).toBe(1);
    await writeCsv(dir, 'q.csv', 'offer_id,payout\n1,45\n');
    const output = await onTerminal(s, dir, '', '--yes --force');
    expect(output).not.toContain('[y/N]');
    expect(s.stats.updates).toBe(2);
  });
});
