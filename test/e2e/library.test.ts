import type { IncomingHttpHeaders } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { runBulk, type BulkOptions } from '../../src/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { FileError, OutputError, UsageError } from '../../src/errors.js';
import { API_KEY, payoutCsv, readResults, tempDir, writeCsv } from '../support/helpers.js';
import { answer, answerSuccess, startScriptedServer } from '../support/scripted-server.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function sandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  closers.push(() => s.close());
  return s;
}

/** Answers with `script` in order (then Success echoing the body) and records every request. */
async function scriptedServer(
  script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>,
) {
  const received: Array<{
    method?: string;
    url?: string;
    headers: IncomingHttpHeaders;
    body: Record<string, unknown>;
  }> = [];
  const server = await startScriptedServer(({ body }, res, req) => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body });
    const step = script.shift();
    if (step) answer(res, step.status, step.body ?? {}, step.headers);
    else answerSuccess(res, body);
  });
  closers.push(server.close);
  return { url: server.url, received };
}

/** A sleep that returns at once and remembers what it was asked to wait. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

async function input(text: string): Promise<{ dir: string; path: string }> {
  const dir = await tempDir();
  return { dir, path: await writeCsv(dir, 'offers.csv', text) };
}

/** Sending without reading current values first: most servers here serve update_offer alone. */
const base = (url: string, path: string, extra: Partial<BulkOptions> = {}): BulkOptions => ({
  input: path,
  baseUrl: url,
  apiKey: API_KEY,
  log: false,
  readCurrent: false,
  ...extra,
});

describe('runBulk', () => {
  it('returns the summary and writes the results file', async () => {
    const s = await sandbox();
    const { dir, path } = await input(payoutCsv(5));
    const result = await runBulk(base(s.url, path));
    expect(result).toMatchObject({
      total: 5,
      updated: 5,
      failed: 0,
      invalid: 0,
      skipped: 0,
      dry_run: 0,
      results: join(dir, 'offers.results.csv'),
      log: false,
      exitCode: 0,
      stopped: undefined,
      retries: 0,
    });
    expect((await readResults(result.results)).map((r) => r.status)).toEqual(Array(5).fill('updated'));
    expect(existsSync(join(dir, 'offers.log.jsonl'))).toBe(false);
    expect(s.stats.requests).toBe(5);
  });

  it('sends a POST of JSON with the key and exactly the non-empty fields to {base}/api/2/update_offer.json', async () => {
    const server = await scriptedServer([]);
    const { path } = await input(
      'Offer ID,Offer Status,Payout,Revenue,Expiration Date\n42,ACTIVE,20.50,,2026-03-01 00:00:00\n',
    );
    const result = await runBulk(base(`${server.url}/cake/`, path));
    expect(result.exitCode).toBe(0);
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request).toMatchObject({ method: 'POST', url: '/cake/api/2/update_offer.json' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({
      api_key: API_KEY,
      offer_id: 42,
      offer_status: 'active',
      payout: 20.5,
      expiration_date: '2026-03-01 00:00:00',
    });
  });

  it('retries instantly with an injected sleep, one sleep per retry', async () => {
    const s = await sandbox({ seed: 5, faults: { http503: 0.4, reset: 0.1 } });
    const { path } = await input(payoutCsv(30));
    const { waits, sleep } = recordingSleep();
    const result = await runBulk(
      base(s.url, path, { sleep, maxAttempts: 20, backoff: { baseMs: 1, capMs: 5 } }),
    );
    expect(result.exitCode).toBe(0);
    expect(result.updated).toBe(30);
    const rows = await readResults(result.results);
    const attempts = rows.map((r) => Number(r.attempts));
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(s.stats.requests);
    expect(result.retries).toBe(s.stats.requests - 30);
    expect(result.retries).toBeGreaterThan(0);
    expect(waits).toHaveLength(result.retries);
    expect(Math.max(...waits)).toBeLessThanOrEqual(5);
  });

  it('waits with full jitter under an exponential ceiling', async () => {
    const server = await scriptedServer([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const { path } = await input('offer_id,payout\n1,1\n');
    const { waits, sleep } = recordingSleep();
    const result = await runBulk(
      base(server.url, path, { sleep, random: () => 0.5, backoff: { baseMs: 100, capMs: 10_000 } }),
    );
    expect(result.exitCode).toBe(0);
    expect(waits).toEqual([50, 100, 200]);
    expect((await readResults(result.results))[0]).toMatchObject({ attempts: '4', status: 'updated' });
  });

  it.each([
    ['delta-seconds', () => '7', 60_000, 7000, 7000],
    ['an HTTP-date', () => new Date(Date.now() + 5000).toUTCString(), 60_000, 3000, 5000],
    ['a value above maxRetryAfterMs, capped', () => '3600', 2000, 2000, 2000],
  ])('honours Retry-After given as %s', async (_name, header, maxRetryAfterMs, low, high) => {
    const server = await scriptedServer([
      { status: 429, headers: { 'retry-after': header() }, body: { message: 'slow down' } },
    ]);
    const { path } = await input('offer_id,payout\n1,1\n');
    const { waits, sleep } = recordingSleep();
    const result = await runBulk(base(server.url, path, { sleep, backoff: { baseMs: 1, maxRetryAfterMs } }));
    expect(result.exitCode).toBe(0);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(low);
    expect(waits[0]).toBeLessThanOrEqual(high);
  });

  it('paces request starts at rate with the injected clock and sleep', async () => {
    const s = await sandbox();
    const { path } = await input(payoutCsv(10));
    let clock = 0;
    const waits: number[] = [];
    const result = await runBulk(
      base(s.url, path, {
        rate: 20,
        concurrency: 1,
        now: () => clock,
        sleep: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      }),
    );
    expect(result.exitCode).toBe(0);
    expect(waits).toEqual(Array(9).fill(50));
  });

  it('uses the injected dispatcher and leaves it open', async () => {
    const s = await sandbox({ latencyMs: 10 });
    const dispatcher = new Agent({ connections: 1 });
    closers.push(() => dispatcher.close());
    const { path } = await input(payoutCsv(8));
    const result = await runBulk(base(s.url, path, { dispatcher, concurrency: 4 }));
    expect(result.exitCode).toBe(0);
    expect(s.stats.connections).toBe(1);
    expect(s.stats.maxInFlight).toBe(1);
    expect(dispatcher.closed).toBe(false);
  });

  it('writes its events to the injected logger, never the key', async () => {
    const s = await sandbox();
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (line: string) => void lines.push(line) });
    const { path } = await input('offer_id,payout\n1,1\n2,2\n');
    const result = await runBulk(base(s.url, path, { logger, log: join(await tempDir(), 'unused.jsonl') }));
    expect(result.exitCode).toBe(0);
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['run_start', 'attempt', 'row', 'attempt', 'row', 'run_end']);
    expect(events[0]).toMatchObject({ event: 'run_start', mode: 'apply', dry_run: false, rows: 2 });
    expect((events[0]!.options as Record<string, unknown>).concurrency).toBe(4);
    expect(lines.join('\n')).not.toContain(API_KEY);
    expect(existsSync(result.log as string)).toBe(false);
  });

  it('hands a dry run request by request to onDryRunRequest and opens no connection', async () => {
    const s = await sandbox();
    const { path } = await input('offer_id,payout,offer_status\n3,1,\n1,,Pending\n2,$1,\n');
    const seen: Array<[number, unknown]> = [];
    const result = await runBulk({
      input: path,
      dryRun: true,
      baseUrl: s.url,
      log: false,
      onDryRunRequest: (row, request) => seen.push([row, request]),
    });
    expect(seen).toEqual([
      [2, { offer_id: 3, payout: 1 }],
      [3, { offer_id: 1, offer_status: 'pending' }],
    ]);
    expect(result).toMatchObject({ dry_run: 2, invalid: 1, exitCode: 1 });
    expect(s.stats.connections).toBe(0);
  });

  it('reports unknown columns once through onWarning', async () => {
    const s = await sandbox();
    const warnings: string[] = [];
    const { path } = await input('offer_id,payout,owner,region\n1,1,ann,EU\n2,2,bob,US\n');
    const result = await runBulk(base(s.url, path, { onWarning: (message) => warnings.push(message) }));
    expect(warnings).toEqual([expect.stringContaining('owner, region')]);
    expect(result.warnings).toEqual(warnings);
  });

  it('stops with exitCode 2 and stopped "auth" when the key is rejected', async () => {
    const s = await sandbox({ apiKey: 'another-key' });
    const { path } = await input(payoutCsv(6));
    const result = await runBulk(base(s.url, path, { concurrency: 1 }));
    expect(result).toMatchObject({ exitCode: 2, stopped: 'auth', failed: 1, skipped: 5 });
    expect(s.stats.requests).toBe(1);
  });
});

describe('runBulk rejects run-level problems', () => {
  it('without a key, with a UsageError', async () => {
    const { path } = await input(payoutCsv(1));
    await expect(runBulk({ input: path, baseUrl: 'https://cake.example.com' })).rejects.toMatchObject({
      name: 'UsageError',
      code: 'E_NO_API_KEY',
      exitCode: 2,
    });
  });

  it('with plain http to another host, with a UsageError', async () => {
    const { path } = await input(payoutCsv(1));
    const error = await runBulk({ input: path, baseUrl: 'http://cake.example.com', apiKey: API_KEY }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ code: 'E_INSECURE_URL' });
  });

  it('with a FileError naming the line of a broken row, before any request', async () => {
    const s = await sandbox();
    const { path } = await input('offer_id,payout\n1,1\n2,"2\n3,3\n');
    const error = await runBulk(base(s.url, path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect(error).toMatchObject({ code: 'E_UNCLOSED_QUOTE', line: 3, file: path });
    expect(s.stats.connections).toBe(0);
  });

  it('with an OutputError instead of overwriting a results file', async () => {
    const s = await sandbox();
    const { path } = await input(payoutCsv(2));
    await runBulk(base(s.url, path));
    const error = await runBulk(base(s.url, path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect(error).toMatchObject({ code: 'E_OUTPUT_EXISTS' });
    expect(s.stats.requests).toBe(2);
    await expect(runBulk(base(s.url, path, { force: true }))).resolves.toMatchObject({ updated: 2 });
  });

  it('with an OutputError naming a log file it cannot create, before any request', async () => {
    const s = await sandbox();
    const { path } = await input(payoutCsv(2));
    // A directory cannot be made under a file.
    const log = join(path, 'run.log.jsonl');
    const error = await runBulk(base(s.url, path, { log })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect(error).toMatchObject({ code: 'E_OUTPUT' });
    expect((error as Error).message).toContain(`cannot write ${log}`);
    expect(s.stats.connections).toBe(0);
  });
});
