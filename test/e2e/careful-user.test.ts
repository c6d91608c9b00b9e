import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  API_KEY,
  CLI,
  readLog,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
  useSandboxes,
} from '../support/helpers.js';
import { waitFor } from '../support/fault-helpers.js';

const sandbox = useSandboxes();

/** The words of a command as a POSIX shell splits them (the CLI quotes with single quotes only). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const match of command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)) {
    words.push(match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]!);
  }
  return words;
}

/** Runs a command the CLI printed, exactly as printed, with only the key in the environment. */
function runPrinted(command: string, cwd?: string): Promise<CliRun> {
  const [program, ...args] = shellWords(command);
  expect(program).toBe('cake-bulk');
  return runCli(args, { env: { CAKE_API_KEY: API_KEY }, cwd });
}

/** The command after `marker` on a `next:` line of stderr. */
function printedCommand(stderr: string, marker: RegExp): string {
  const line = stderr.split('\n').find((l) => l.startsWith('  next:') && marker.test(l));
  expect(line, stderr).toBeDefined();
  return line!.replace(/^.*?(cake-bulk (apply|rerun) .*)$/, '$1');
}

describe('a change the user asked for is never silently dropped', () => {
  it('reads Status as offer_status and sends it, saying how the header was read', async () => {
    const s = await sandbox();
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'offers.csv',
      'Offer ID,Status,Payout ($)\n71,inactive,4.5\n72,pending,\n',
    );
    const run = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
    expect(run.code).toBe(0);
    expect(s.store.get(71)).toMatchObject({ offer_status: 'inactive', payout: 4.5 });
    expect(s.store.get(72)).toMatchObject({ offer_status: 'pending' });
    expect(run.stderr).toContain('read the header "Status" as offer_status, "Payout ($)" as payout (in $');
  });

  it('refuses a header that looks like a field, sending nothing, and says how to map it', async () => {
    const s = await sandbox();
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'Offer ID,New Payout\n71,4.5\n');
    const run = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `cake-bulk: ${input}:1: header "New Payout" looks like payout; rename it, or map it with --map "New Payout=payout", or keep it as a note with --map "New Payout=-"`,
    );
    expect(s.stats.connections).toBe(0);
    const mapped = await runCli(['apply', input, '--map', 'New Payout=payout'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    });
    expect(mapped.code).toBe(0);
    expect(s.store.get(71)?.payout).toBe(4.5);
    const start = (await readLog(join(dir, 'offers.log.jsonl'))).find((e) => e.event === 'run_start');
    expect((start?.options as { map: unknown }).map).toEqual([{ header: 'New Payout', field: 'payout' }]);
  });
});

describe('follow-up commands work as printed', () => {
  it('after Ctrl-C: the printed --resume command carries --base-url, --out, --map, --rate and --concurrency', async () => {
    const s = await sandbox({ latencyMs: 30 });
    const dir = await tempDir();
    const lines = ['Offer ID,New Payout,Notes'];
    for (let id = 1; id <= 120; id++) lines.push(`${id},${(id % 9) + 1.5},n${id}`);
    const input = await writeCsv(dir, 'big sheet.csv', `${lines.join('\n')}\n`);
    const out = join(dir, 'out dir', 'r.csv');
    let pid = 0;
    const running = runCli(
      [
        'apply',
        input,
        '--base-url',
        s.url,
        '--out',
        out,
        '--map',
        'New Payout=payout',
        '--rate',
        '500',
        '--concurrency',
        '2',
      ],
      { env: { CAKE_API_KEY: API_KEY }, onSpawn: (p) => (pid = p) },
    );
    await waitFor(() => s.stats.requests >= 10);
    process.kill(pid, 'SIGINT');
    const stopped = await running;
    expect(stopped.code).toBe(130);
    const command = printedCommand(stopped.stderr, /Continue with/);
    expect(command).toContain(`--base-url ${s.url}`);
    expect(command).not.toContain(API_KEY);
    s.configure({ latencyMs: 0 });
    const resumed = await runPrinted(command);
    expect(resumed.code).toBe(0);
    const rows = await readResults(out);
    expect(rows).toHaveLength(120);
    expect(rows.every((row) => row.status === 'updated')).toBe(true);
    expect([...s.store.updates.values()].every((count) => count === 1)).toBe(true);
  });

  it('after the circuit breaker opened: the printed command continues once the server is back', async () => {
    const s = await sandbox();
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'offers.csv',
      `offer_id,payout\n${Array.from({ length: 40 }, (_, i) => `${i + 1},2`).join('\n')}\n`,
    );
    await s.down();
    const stopped = await runCli(
      ['apply', input, '--base-url', s.url, '--max-attempts', '1', '--breaker', '3'],
      {
        env: { CAKE_API_KEY: API_KEY },
      },
    );
    expect(stopped.code).toBe(1);
    const command = printedCommand(stopped.stderr, /server looked down/);
    expect(command).toContain('--max-attempts 1');
    await s.up();
    const resumed = await runPrinted(command);
    expect(resumed.code).toBe(0);
    expect(s.store.updates.size).toBe(40);
  });

  it('after failures worth retrying: the printed rerun sends them, and only them', async () => {
    const s = await sandbox({ seed: 5, faults: { http503: 0.5 } });
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'offers.csv',
      `offer_id,payout\n${Array.from({ length: 30 }, (_, i) => `${i + 1},3`).join('\n')}\n`,
    );
    const first = await runCli(
      ['apply', input, '--base-url', s.url, '--max-attempts', '1', '--breaker', '0'],
      {
        env: { CAKE_API_KEY: API_KEY },
      },
    );
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/failed, worth sending again: \d+ \(E_HTTP_503 \d+\)/);
    s.configure({ faults: {} });
    const rerun = await runPrinted(printedCommand(first.stderr, /worth retrying/));
    expect(rerun.code).toBe(0);
    expect(s.store.updates.size).toBe(30);
  });
});

describe('permanent failures are not told to rerun as they are', () => {
  it('says CAKE refused the row and that it needs a fix first', async () => {
    const s = await sandbox({ offers: 1000 });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n5,1\n99999999,2\n');
    const run = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failed, CAKE refused them: 1 (E_API_FAILURE 1)');
    expect(run.stderr).not.toMatch(/worth (sending again|retrying)/);
    expect(run.stderr).toMatch(/next: +the 1 row\(s\) CAKE refused need a fix first/);
  });
});

describe('help that helps', () => {
  it.each(['help', 'help apply', 'help rerun', 'apply --help'])(
    'cake-bulk %s exits 0 and prints the help',
    async (line) => {
      const run = await runCli(line.split(' '));
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Usage: cake-bulk/);
    },
  );

  it('rerun --help gives its own --out default and no --sheet', async () => {
    const run = await runCli(['rerun', '--help']);
    expect(run.stdout).toContain('<stem>.rerun-N.results.csv');
    expect(run.stdout).not.toContain('--sheet');
    expect(run.stdout).toMatch(/Examples:\n\s+\$ cake-bulk rerun/);
    expect((await runCli(['help', 'rerun'])).stdout).toBe(run.stdout);
  });

  it("words every error with one prefix, commander's included", async () => {
    const unknown = await runCli(['apply', 'x.csv', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cake-bulk: unknown option '--frobnicate'/);
    expect(unknown.stderr).not.toMatch(/^error:/m);
  });
});

describe('the results file as people open it', () => {
  it('writes a plain negative number as it is, without the formula guard', async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout,Notes\n1,-5,+1.5\n2,3,=SUM(A1)\n');
    await runCli(['apply', input, '--dry-run', '--quiet']);
    const text = await readFile(join(dir, 'offers.dry-run.results.csv'), 'utf8');
    expect(text).toContain('2,1,-5,+1.5,invalid');
    expect(text).toContain("3,2,3,'=SUM(A1),dry_run");
  });

  it("keeps the input's BOM and CRLF, so Excel shows accents right", async () => {
    const dir = await tempDir();
    const input = join(dir, 'excel.csv');
    await writeFile(input, '\ufeffoffer_id,offer_name\r\n1,Crédit Agricole\r\n');
    await runCli(['apply', input, '--dry-run', '--quiet']);
    const bytes = await readFile(join(dir, 'excel.dry-run.results.csv'));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toMatch(
      /^\ufeffrow,offer_id,offer_name,status.*\r\n2,1,Crédit Agricole,dry_run/,
    );
  });

  it('writes LF and no BOM for an input without them', async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'plain.csv', 'offer_id,offer_name\n1,Crédit\n');
    await runCli(['apply', input, '--dry-run', '--quiet']);
    const text = await readFile(join(dir, 'plain.dry-run.results.csv'), 'utf8');
    expect(text.startsWith('row,')).toBe(true);
    expect(text).not.toContain('\r');
  });
});

describe('machine-readable failure', () => {
  it.each([
    [['apply', 'missing.csv', '--json', '--dry-run'], 'E_FILE_READ'],
    [['apply', 'x.csv', '--json', '--concurrency', '0'], 'E_USAGE'],
    [['apply', 'x.csv', '--json', '--bogus'], 'E_USAGE'],
  ])('prints {"error":{code,message}} on stdout with --json: %j', async (args, code) => {
    const dir = await tempDir();
    const run = await runCli(args, { cwd: dir });
    expect(run.code).toBe(2);
    const printed = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(printed.error.code).toBe(code);
    expect(printed.error.message.length).toBeGreaterThan(5);
  });
});

describe('small ones', () => {
  it('a dry run with an existing --out says to pass --force, and does not suggest --resume', async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n');
    const out = await writeCsv(dir, 'mine.csv', 'earlier\n');
    const run = await runCli(['apply', input, '--dry-run', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${out} already exists; pass --out to write elsewhere, or --force to replace it`,
    );
    expect(run.stderr).not.toContain('--resume');
  });

  it('NO_COLOR keeps colour out of the summary on a terminal; a terminal gets it otherwise', () => {
    const dir = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    execFileSync('sh', ['-c', `printf 'offer_id,payout\\n1,1\\n' > ${dir}/in.csv`]);
    const onTerminal = (env: string) =>
      execFileSync(
        'script',
        ['-qec', `${env} ${process.execPath} ${CLI} apply ${dir}/in.csv --dry-run --force`, '/dev/null'],
        {
          encoding: 'utf8',
        },
      );
    expect(onTerminal('env')).toContain('\x1b[32m1 would be sent\x1b[0m');
    expect(onTerminal('env NO_COLOR=1')).not.toContain('\x1b[32m');
    execFileSync('rm', ['-rf', dir]);
  });
});
