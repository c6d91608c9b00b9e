import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { API_KEY, payoutCsv, readLog, readResults, runCli, tempDir, writeCsv } from '../support/helpers.js';
import { startScriptedServer, type Script, type ScriptedServer } from '../support/scripted-server.js';

const TIMEOUT_MS = 400;
/** Scheduling slack for a loaded CI machine. */
const SLACK_MS = 300;

let server: ScriptedServer | Sandbox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  server = dir = undefined;
});

const neverAnswers: Script = () => undefined;
const stallsTheBody: Script = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
  res.write('{"request_status":');
};
// Each byte arrives well within the timeout, so only a limit on the whole attempt can stop it.
const tricklesTheBody: Script = (_request, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  const timer = setInterval(() => res.write(' '), 100);
  res.on('close', () => clearInterval(timer));
};

describe('--timeout bounds every attempt', () => {
  it.each([
    ['accepts the request and never answers', neverAnswers],
    ['sends the headers, then stalls the body', stallsTheBody],
    ['trickles the body a byte every 100 ms', tricklesTheBody],
  ])('a server that %s costs at most --timeout per attempt', async (_name, script) => {
    const scripted = await startScriptedServer(script);
    server = scripted;
    dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(1));
    const started = performance.now();
    const run = await runCli(
      ['apply', input, '--base-url', scripted.url, '--timeout', String(TIMEOUT_MS), '--max-attempts', '2'],
      { env: { CAKE_API_KEY: API_KEY } },
    );
    const elapsed = performance.now() - started;

    expect(run.code).toBe(1);
    const [row] = await readResults(join(dir, 'offers.results.csv'));
    expect(row).toMatchObject({ status: 'failed', error_code: 'E_TIMEOUT', attempts: '2' });
    expect(scripted.requests).toHaveLength(2);
    const attempts = (await readLog(join(dir, 'offers.log.jsonl'))).filter(
      (line) => line.event === 'attempt',
    );
    for (const attempt of attempts) {
      expect(attempt.duration_ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
      expect(attempt.duration_ms).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
    }
    // Two attempts, one backoff of at most 250 ms, and starting node.
    expect(Number(row!.duration_ms)).toBeLessThanOrEqual(2 * TIMEOUT_MS + 250 + SLACK_MS);
    expect(elapsed).toBeLessThan(2 * TIMEOUT_MS + 250 + 3000);
  });

  it('a pool of hung requests against the sandbox: every row costs at most --timeout per attempt', async () => {
    const sandbox = await startSandbox({ apiKey: API_KEY, faults: { hang: 1 } });
    server = sandbox;
    dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(16));
    const run = await runCli(
      [
        'apply',
        input,
        '--base-url',
        sandbox.url,
        '--timeout',
        String(TIMEOUT_MS),
        '--max-attempts',
        '2',
        '--concurrency',
        '16',
        '--breaker',
        '0',
      ],
      { env: { CAKE_API_KEY: API_KEY } },
    );
    expect(run.code).toBe(1);
    const results = await readResults(join(dir, 'offers.results.csv'));
    expect(results.every((row) => row.error_code === 'E_TIMEOUT' && row.attempts === '2')).toBe(true);
    expect(Math.max(...results.map((row) => Number(row.duration_ms)))).toBeLessThanOrEqual(
      2 * TIMEOUT_MS + 250 + SLACK_MS,
    );
    expect(sandbox.stats.requests).toBe(32);
  });
});

describe('an answer too large to be CAKE', () => {
  it('is cut off at 1 MB, long before --timeout, and retried as a bad response', async () => {
    // Chunked and endless: without the size cap only the 20 s timeout would end each attempt.
    const scripted = await startScriptedServer((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = ' '.repeat(64 * 1024);
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    server = scripted;
    dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(1));
    const run = await runCli(
      ['apply', input, '--base-url', scripted.url, '--timeout', '20000', '--max-attempts', '2'],
      { env: { CAKE_API_KEY: API_KEY } },
    );

    expect(run.code).toBe(1);
    const [row] = await readResults(join(dir, 'offers.results.csv'));
    expect(row).toMatchObject({ status: 'failed', error_code: 'E_BAD_RESPONSE', attempts: '2' });
    expect(Number(row!.duration_ms)).toBeLessThan(10_000);
    expect(scripted.requests).toHaveLength(2);
  });
});
