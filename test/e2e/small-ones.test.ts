import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import {
  API_KEY,
  CLI,
  payoutCsv,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
} from '../support/helpers.js';
import { inputRows, rowNumbers, waitFor } from '../support/fault-helpers.js';
import { answerSuccess } from '../support/scripted-server.js';

/** Runs the built CLI like `runCli`, killing it after `ms`: a hang shows as `timedOut`, not a stuck test. */
function runBounded(args: string[], ms: number): Promise<CliRun & { timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, CAKE_API_KEY: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

describe('a server whose TLS certificate is refused', () => {
  it('fails the rows in flight with E_TLS after one attempt each, stops the run (exit 2), skips the rest E_STOPPED_TLS', async (ctx: TestContext) => {
    const dir = await tempDir();
    const key = join(dir, 'k.pem');
    const cert = join(dir, 'c.pem');
    // No openssl is a failure of the test, not a skip: the certificate must be one nobody trusts.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    let handshakesRefused = 0;
    let requests = 0;
    const server = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () =>
        answerSuccess(res, JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>),
      );
    });
    server.on('tlsClientError', () => handshakesRefused++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ctx.onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const rows = 20;
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));

    const run = await runCli(
      ['apply', input, '--base-url', `https://127.0.0.1:${port}`, '--concurrency', '4', '--timeout', '5000'],
      { env: { CAKE_API_KEY: API_KEY } },
    );

    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/unexpected error|internal error/);
    const results = await readResults(join(dir, 'offers.results.csv'));
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    const failed = results.filter((row) => row.status === 'failed');
    const skipped = results.filter((row) => row.status === 'skipped');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThanOrEqual(4);
    expect(failed.every((row) => row.error_code === 'E_TLS' && row.attempts === '1')).toBe(true);
    expect(failed[0]!.error).toMatch(/TLS certificate was refused/);
    expect(skipped).toHaveLength(rows - failed.length);
    expect(skipped.every((row) => row.error_code === 'E_STOPPED_TLS')).toBe(true);
    // One refused handshake per failed row: nothing was retried, and no request got through.
    expect(requests).toBe(0);
    // The server hears of a refused handshake from the client's alert, a moment after the client.
    await waitFor(() => handshakesRefused >= failed.length, 2000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(handshakesRefused).toBe(failed.length);
  });
});

describe('an input that is not a regular file', () => {
  it('a FIFO is refused at once in one line ("not a regular file"), without waiting for a writer', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    for (const args of [
      ['apply', fifo, '--dry-run'],
      ['apply', fifo, '--base-url', 'http://127.0.0.1:9'],
      ['rerun', fifo, '--base-url', 'http://127.0.0.1:9'],
    ]) {
      const run = await runBounded(args, 5000);

      expect(run.timedOut).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`${fifo}: cannot read the input: it is not a regular file`);
    }
    // Nothing was written beside it: no lock, snapshot, log or results file.
    expect(await readdir(dir)).toEqual(['pipe.csv']);
  });
});

/**
 * Runs the built CLI; if it is still running after `graceMs`, sends it SIGINT (Ctrl-C), and after
 * `killMs` more, SIGKILL. `killed` says the run had to be killed: it ignored Ctrl-C.
 */
function runInterruptible(
  args: string[],
  graceMs: number,
  killMs: number,
): Promise<CliRun & { interrupted: boolean; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, CAKE_API_KEY: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    let killed = false;
    const timers = [
      setTimeout(() => {
        interrupted = true;
        child.kill('SIGINT');
      }, graceMs),
      setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, graceMs + killMs),
    ];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, interrupted, killed });
    });
  });
}

describe.concurrent('a FIFO where cake-bulk opens one of its own files', () => {
  it.each([
    ['--log FIFO (nobody reading it)', 'log.fifo', ['--dry-run', '--log', 'LOG']],
    ['a FIFO planted at <results>.lock', 'p.dry-run.results.csv.lock', ['--dry-run']],
    ['a FIFO planted at <results>.journal, with --resume', 'p.results.csv.journal', ['--resume']],
  ])('%s never leaves a run that ignores Ctrl-C', async (_name, fifoName, flags) => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'p.csv', payoutCsv(3));
    const fifo = join(dir, fifoName);
    execFileSync('mkfifo', [fifo]);
    const args = flags.map((flag) => (flag === 'LOG' ? fifo : flag));
    const run = await runInterruptible(
      ['apply', input, '--base-url', 'http://127.0.0.1:9', ...args],
      2000,
      3000,
    );

    // Refused at once, run through (the lock taken over), or at the latest stopped by Ctrl-C: never a
    // process only kill -9 ends.
    expect(run.killed).toBe(false);
    expect(run.signal).toBeNull();
    expect([0, 2, 130]).toContain(run.code);
    expect(run.stderr).not.toMatch(/unexpected error|internal error/);
  });
});

describe('a header of 10,000 columns', () => {
  it('gives one warning line under 1 KB naming the first few unknown columns and their count', async () => {
    const dir = await tempDir();
    const extra = Array.from({ length: 9998 }, (_, i) => `extra_${i + 1}`);
    const input = await writeCsv(dir, 'wide.csv', `offer_id,payout,${extra.join(',')}\n1,2.5\n`);
    const run = await runCli(['apply', input, '--dry-run']);

    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings).toHaveLength(1);
    const warning = warnings[0]!;
    expect(Buffer.byteLength(warning)).toBeLessThan(1024);
    expect(warning).toContain('extra_1, extra_2, extra_3');
    expect(warning).toContain('9998');
    expect(warning).not.toContain('extra_9998');
    expect(run.stderr.length).toBeLessThan(4096);
  });
});

describe('cake-bulk sandbox --port', () => {
  it('99999 is a one-line usage error', async () => {
    const run = await runBounded(['sandbox', '--port', '99999'], 5000);

    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^cake-bulk: .*99999/);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('a port in use says "port N is in use" in one line', async (ctx: TestContext) => {
    const busy = createNetServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    ctx.onTestFinished(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as AddressInfo).port;
    const run = await runBounded(['sandbox', '--port', String(port)], 5000);

    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`port ${port} is in use`);
    expect(run.stderr).not.toMatch(/unexpected error|EADDRINUSE/);
  });
});

describe('a plain rerun after an interrupted rerun', () => {
  it('is refused, naming rerun-1 and --resume; rerun --resume then continues rerun-1, each row sent at most once more', async (ctx: TestContext) => {
    const rows = 300;
    // The first apply meets a key the server refuses: every row is failed (E_AUTH) or skipped.
    const server = await startSandbox({ apiKey: 'another-key-3c9d1e' });
    ctx.onTestFinished(() => server.close());
    const dir = await tempDir();
    const input = await writeCsv(dir, 'x.csv', payoutCsv(rows));
    const cli = (args: string[], onSpawn?: (pid: number) => void) =>
      runCli([...args, '--base-url', server.url, '--concurrency', '4'], {
        env: { CAKE_API_KEY: API_KEY },
        onSpawn,
      });
    expect((await cli(['apply', input])).code).toBe(2);
    const results = join(dir, 'x.results.csv');
    const resultsBytes = await readFile(results);
    const rerun1 = join(dir, 'x.rerun-1.results.csv');

    server.configure({ apiKey: API_KEY, latencyMs: 20 });
    let pid = 0;
    const first = cli(['rerun', results], (id) => (pid = id));
    await waitFor(() => server.store.updates.size >= 40);
    process.kill(pid, 'SIGINT');
    expect((await first).code).toBe(130);
    expect(existsSync(`${rerun1}.journal`)).toBe(true);
    const sentBefore = new Map(server.store.updates);

    const plain = await cli(['rerun', results]);

    expect(plain.code).toBe(2);
    const lines = plain.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^ {2}next: {4}continue that run with: cake-bulk rerun \S+ --resume/);
    expect(plain.stderr).toContain('x.rerun-1.results.csv was interrupted');
    expect(plain.stderr).toContain('--resume');
    expect(new Map(server.store.updates)).toEqual(sentBefore);
    expect(existsSync(join(dir, 'x.rerun-2.results.csv'))).toBe(false);

    server.configure({ latencyMs: 0 });
    const resumed = await cli(['rerun', results, '--resume']);

    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(rerun1);
    expect(existsSync(join(dir, 'x.rerun-2.results.csv'))).toBe(false);
    expect(existsSync(`${rerun1}.journal`)).toBe(false);
    // Each offer updated exactly once over the interrupted rerun and its resume.
    expect(server.store.updates.size).toBe(rows);
    expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
    const final = await readResults(rerun1);
    expect(rowNumbers(final)).toEqual(inputRows(rows));
    expect(final.every((row) => row.status === 'updated')).toBe(true);
    expect(await readFile(results)).toEqual(resultsBytes);
  });
});
