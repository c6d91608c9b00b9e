import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import {
  API_KEY,
  payoutCsv,
  readLog,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
} from '../support/helpers.js';
import { answer, answerSuccess, startScriptedServer } from '../support/scripted-server.js';

/** One scripted answer; after an offer's script runs out the server answers Success, echoing what it got. */
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | 'reset' | 'hang';

interface Scripted {
  url: string;
  /** Bodies received, per offer id, in arrival order. */
  received: Map<number, Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** A real HTTP server whose answers are scripted per offer id, for exact sequences like "503 then 200". */
async function scriptedServer(script: Record<number, Step[]>): Promise<Scripted> {
  const received = new Map<number, Array<Record<string, unknown>>>();
  const server = await startScriptedServer(({ body }, res, req) => {
    const id = Number(body.offer_id);
    received.set(id, [...(received.get(id) ?? []), body]);
    const step = script[id]?.shift();
    if (step === 'hang') return;
    if (step === 'reset') return req.socket.destroy();
    if (step) answer(res, step.status, step.body ?? {}, step.headers);
    else answerSuccess(res, body);
  });
  return { url: server.url, received, close: server.close };
}

function apply(url: string, input: string, ...flags: string[]): Promise<CliRun> {
  return runCli(['apply', input, ...flags], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: url } });
}

/** Writes `offer_id,payout` rows for the given ids and returns the input path. */
async function offersCsv(ids: number[]): Promise<string> {
  const dir = await tempDir();
  return writeCsv(dir, 'offers.csv', `offer_id,payout\n${ids.map((id) => `${id},${id}.5`).join('\n')}\n`);
}

const resultsOf = (input: string) => input.replace(/\.csv$/, '.results.csv');
const failure = (message: string): Step => ({ status: 200, body: { request_status: 'Failure', message } });

interface ScriptedRun {
  server: Scripted;
  run: CliRun;
  rows: Map<number, Record<string, string>>;
  log: Array<Record<string, unknown>>;
}

/** Runs the CLI once over one row per offer id in `script`, each meeting its own answers. */
async function scriptedRun(script: Record<number, Step[]>, ...flags: string[]): Promise<ScriptedRun> {
  const ids = Object.keys(script).map(Number);
  const server = await scriptedServer(script);
  const input = await offersCsv(ids);
  const run = await apply(server.url, input, ...flags);
  const rows = new Map((await readResults(resultsOf(input))).map((r) => [Number(r.offer_id), r]));
  const log = await readLog(input.replace(/\.csv$/, '.log.jsonl'));
  return { server, run, rows, log };
}

/** [name, offer id, the answer, the code it is recorded with, the http_status recorded] */
type Case = [string, number, Step, string, string];

/** Offer ids each meeting `times` copies of their case's answer before the server answers Success. */
const scriptOf = (cases: Case[], times: number): Record<number, Step[]> =>
  Object.fromEntries(cases.map(([, id, step]) => [id, Array<Step>(times).fill(step)]));

const RETRYABLE: Case[] = [
  ['HTTP 408', 408, { status: 408 }, 'E_HTTP_408', '408'],
  ['HTTP 425', 425, { status: 425 }, 'E_HTTP_425', '425'],
  ['HTTP 500', 500, { status: 500, body: { Message: 'An error has occurred.' } }, 'E_HTTP_500', '500'],
  ['HTTP 502', 502, { status: 502, body: '<html>Bad Gateway</html>' }, 'E_HTTP_502', '502'],
  ['HTTP 503', 503, { status: 503, body: '<html>Service Unavailable</html>' }, 'E_HTTP_503', '503'],
  ['HTTP 504', 504, { status: 504 }, 'E_HTTP_504', '504'],
  ['a connection reset', 601, 'reset', 'E_CONNECTION_RESET', ''],
  ['a truncated 200 body', 602, { status: 200, body: '{"request_status":"Succ' }, 'E_BAD_RESPONSE', '200'],
  ['an HTML 200 body', 603, { status: 200, body: '<html>Login</html>' }, 'E_BAD_RESPONSE', '200'],
  ['a 200 without request_status', 604, { status: 200, body: { offer: {} } }, 'E_BAD_RESPONSE', '200'],
];
// Throttling answers run apart from the rest: a burst of them makes the adaptive throttle slow the
// whole run down, which is right for a real server and only slows these tests.
const THROTTLING: Case[] = [
  ['HTTP 429 without Retry-After', 429, { status: 429 }, 'E_HTTP_429', '429'],
  [
    'a throttling message ("API Restricted")',
    606,
    failure('API Restricted: rate limit exceeded'),
    'E_THROTTLED',
    '200',
  ],
  ['a throttling message ("Too many requests")', 607, failure('Too many requests'), 'E_THROTTLED', '200'],
];
// A hang costs a whole --timeout, so it gets a short one in a run of its own.
const HANG: Case[] = [['a hang (per-attempt --timeout)', 605, 'hang', 'E_TIMEOUT', '']];
const NOT_RETRYABLE: Case[] = [
  ['HTTP 400', 400, { status: 400, body: { message: 'Bad request' } }, 'E_HTTP_400', '400'],
  ['HTTP 404', 404, { status: 404, body: 'Not Found' }, 'E_HTTP_404', '404'],
  ['HTTP 409', 409, { status: 409 }, 'E_HTTP_409', '409'],
  ['HTTP 422', 422, { status: 422, body: { errors: ['payout'] } }, 'E_HTTP_422', '422'],
  ['a 200 Failure', 200, failure('Offer is locked'), 'E_API_FAILURE', '200'],
  [
    'a 200 Failure in a "d" wrapper',
    201,
    { status: 200, body: { d: { request_status: 'Failure', message: 'Invalid payout' } } },
    'E_API_FAILURE',
    '200',
  ],
];
const NOT_RETRYABLE_MESSAGES: Record<number, string> = {
  400: 'HTTP 400: {"message":"Bad request"}',
  404: 'HTTP 404: Not Found',
  409: 'HTTP 409: {}',
  422: 'HTTP 422: {"errors":["payout"]}',
  200: 'Offer is locked',
  201: 'Invalid payout',
};

const quick = ['--max-attempts', '3', '--timeout', '5000', '--concurrency', '8'];
// Every scripted run starts at once, so the file takes about as long as its slowest run.
const RUNS = {
  retryable: () => scriptedRun(scriptOf(RETRYABLE, 1), ...quick),
  throttling: () => scriptedRun(scriptOf(THROTTLING, 1), ...quick),
  hang: () => scriptedRun(scriptOf(HANG, 1), '--max-attempts', '3', '--timeout', '1500'),
  exhaustRetryable: () => scriptedRun(scriptOf(RETRYABLE, 3), ...quick),
  exhaustThrottling: () => scriptedRun(scriptOf(THROTTLING, 3), ...quick),
  exhaustHang: () => scriptedRun(scriptOf(HANG, 3), '--max-attempts', '3', '--timeout', '400'),
  notRetryable: () => scriptedRun(scriptOf(NOT_RETRYABLE, 2), '--max-attempts', '5', '--timeout', '5000'),
};
type RunName = keyof typeof RUNS;
const runs = {} as Record<RunName, ScriptedRun>;

beforeAll(async () => {
  await Promise.all(
    (Object.keys(RUNS) as RunName[]).map(async (name) => {
      runs[name] = await RUNS[name]();
    }),
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(Object.values(runs).map((r) => r.server.close()));
});

describe.each([
  ['retryable failures', 'retryable', RETRYABLE],
  ['throttling answers', 'throttling', THROTTLING],
  ['hangs', 'hang', HANG],
] as Array<[string, RunName, Case[]]>)('%s are retried and attempts recorded', (_group, name, cases) => {
  it('ends with every row updated and exit 0', () => {
    expect([...runs[name].rows.values()].map((row) => row.status)).toEqual(cases.map(() => 'updated'));
    expect(runs[name].run.code).toBe(0);
  });

  it.each(cases)('retries %s and records attempts=2', (_name, id, _step, code) => {
    const { rows, server, log } = runs[name];
    expect(rows.get(id)).toMatchObject({ status: 'updated', attempts: '2', http_status: '200', error: '' });
    expect(server.received.get(id)).toHaveLength(2);
    expect(log.filter((line) => line.event === 'retry' && line.offer_id === id)).toEqual([
      expect.objectContaining({ attempt: 1, code }),
    ]);
    expect(
      log.filter((line) => line.event === 'attempt' && line.offer_id === id).map((line) => line.attempt),
    ).toEqual([1, 2]);
  });

  it('sends the same body again on a retry', () => {
    for (const [, id] of cases) {
      const [first, second] = runs[name].server.received.get(id)!;
      expect(second).toEqual(first);
    }
  });

  it('reports the retries in the summary', () => {
    expect(runs[name].run.stderr).toContain(`retries: ${cases.length}`);
  });
});

describe.each([
  ['server errors', 'exhaustRetryable', RETRYABLE],
  ['throttling', 'exhaustThrottling', THROTTLING],
  ['hangs', 'exhaustHang', HANG],
] as Array<[string, RunName, Case[]]>)('giving up on %s', (_group, name, cases) => {
  it.each(cases)(
    'gives up on %s after --max-attempts and records the last error',
    (_name, id, _step, code, httpStatus) => {
      const row = runs[name].rows.get(id)!;
      expect(row).toMatchObject({
        status: 'failed',
        error_code: code,
        http_status: httpStatus,
        attempts: '3',
      });
      expect(row.error).toMatch(/gave up after 3 attempts/);
      expect(runs[name].server.received.get(id)).toHaveLength(3);
    },
  );

  it('exits 1 when rows failed', () => {
    expect(runs[name].run.code).toBe(1);
    expect(runs[name].run.stderr).toContain(`${cases.length} failed`);
  });
});

describe('non-retryable answers are not retried', () => {
  it.each(NOT_RETRYABLE)('does not retry %s', (_name, id, _step, code, httpStatus) => {
    const { rows, server } = runs.notRetryable;
    const row = rows.get(id)!;
    expect(row).toMatchObject({ status: 'failed', error_code: code, http_status: httpStatus, attempts: '1' });
    expect(row.error).toContain(NOT_RETRYABLE_MESSAGES[id]);
    expect(server.received.get(id)).toHaveLength(1);
  });

  it('exits 1', () => {
    expect(runs.notRetryable.run.code).toBe(1);
  });
});

/** A scripted server for this test only, closed when it finishes (tests here run concurrently). */
async function serverFor(ctx: TestContext, script: Record<number, Step[]>): Promise<Scripted> {
  const server = await scriptedServer(script);
  ctx.onTestFinished(() => server.close());
  return server;
}

describe.concurrent('Retry-After', () => {
  it('waits the Retry-After of a 429 before retrying', async (ctx) => {
    const server = await serverFor(ctx, {
      1: [{ status: 429, headers: { 'retry-after': '1' }, body: { message: 'slow' } }],
    });
    const input = await offersCsv([1]);
    const run = await apply(server.url, input, '--max-attempts', '2');
    expect(run.code).toBe(0);
    const [row] = await readResults(resultsOf(input));
    expect(row).toMatchObject({ status: 'updated', attempts: '2' });
    expect(Number(row!.duration_ms)).toBeGreaterThanOrEqual(990);
    const log = await readLog(input.replace(/\.csv$/, '.log.jsonl'));
    expect(log.find((line) => line.event === 'retry')).toMatchObject({
      retry_in_ms: 1000,
      code: 'E_HTTP_429',
    });
  });

  it('honours Retry-After on a 503 too', async (ctx) => {
    const server = await serverFor(ctx, { 1: [{ status: 503, headers: { 'retry-after': '1' } }] });
    const input = await offersCsv([1]);
    const run = await apply(server.url, input, '--max-attempts', '2');
    expect(run.code).toBe(0);
    const [row] = await readResults(resultsOf(input));
    expect(Number(row!.duration_ms)).toBeGreaterThanOrEqual(990);
  });
});

describe.concurrent('a rejected key stops the run', () => {
  it.for([
    ['HTTP 401', { status: 401, body: { message: 'Unauthorized' } }],
    ['HTTP 403', { status: 403 }],
    ['a 200 Failure about the key', failure('Invalid API Key')],
  ] as Array<[string, Step]>)(
    'stops at once on %s: remaining rows skipped, exit 2',
    async ([, step], ctx) => {
      const server = await serverFor(ctx, { 1: [step] });
      const input = await offersCsv([1, 2, 3, 4, 5]);
      const run = await apply(server.url, input, '--concurrency', '1');
      expect(run.code).toBe(2);
      expect([...server.received.keys()]).toEqual([1]);
      expect(server.received.get(1)).toHaveLength(1);
      const rows = await readResults(resultsOf(input));
      expect(rows.map((r) => r.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped', 'skipped']);
      expect(rows[0]).toMatchObject({ error_code: 'E_AUTH', attempts: '1' });
      expect(rows[0]!.error).toMatch(/rejected the key/);
      for (const row of rows.slice(1)) expect(row.error).toMatch(/not sent: .*rejected the key/);
      expect(run.stderr).toMatch(/5 rows: 1 failed, 4 skipped/);
      expect(run.stderr).toMatch(/check CAKE_API_KEY/);
    },
  );

  it('sends no more than the requests already in flight when the sandbox answers 401', async (ctx) => {
    const sandbox = await startSandbox({ apiKey: 'the-real-key', latencyMs: 20 });
    ctx.onTestFinished(() => sandbox.close());
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(30));
    const run = await apply(sandbox.url, input, '--concurrency', '4', '--json');
    expect(run.code).toBe(2);
    expect(sandbox.stats.requests).toBeLessThanOrEqual(4);
    expect(sandbox.stats.byAnswer).toEqual({ 401: sandbox.stats.requests });
    const summary = JSON.parse(run.stdout) as { failed: number; skipped: number };
    expect(summary.failed).toBe(sandbox.stats.requests);
    expect(summary.skipped).toBe(30 - sandbox.stats.requests);
    const rows = await readResults(join(dir, 'offers.results.csv'));
    expect(rows).toHaveLength(30);
    const failed = rows.filter((r) => r.status === 'failed');
    expect(failed.every((r) => r.error_code === 'E_AUTH' && r.http_status === '401')).toBe(true);
  });
});

describe.concurrent("the sandbox's faults", () => {
  it.for([
    ['http503', 'E_HTTP_503', '503'],
    ['http429', 'E_HTTP_429', '429'],
    ['reset', 'E_CONNECTION_RESET', ''],
    ['resetAfterApply', 'E_CONNECTION_RESET', ''],
    ['hang', 'E_TIMEOUT', ''],
    ['malformed', 'E_BAD_RESPONSE', '200'],
    ['throttleMessage', 'E_THROTTLED', '200'],
  ] as const)(
    'retries the %s fault and records attempts=2 when it persists',
    async ([fault, code, httpStatus], ctx) => {
      const sandbox = await startSandbox({ apiKey: API_KEY, retryAfterSeconds: 0, faults: { [fault]: 1 } });
      ctx.onTestFinished(() => sandbox.close());
      const input = await offersCsv([1]);
      // Only the hang needs a short limit; a slow but real answer must not turn into E_TIMEOUT.
      const timeout = fault === 'hang' ? '400' : '5000';
      const run = await apply(sandbox.url, input, '--max-attempts', '2', '--timeout', timeout);
      expect(run.code).toBe(1);
      expect(sandbox.stats.requests).toBe(2);
      expect(sandbox.stats.byAnswer).toEqual({ [fault]: 2 });
      const [row] = await readResults(resultsOf(input));
      expect(row).toMatchObject({
        status: 'failed',
        error_code: code,
        http_status: httpStatus,
        attempts: '2',
      });
    },
  );

  it('recovers once the fault clears: every row updated, attempts adding up to what the server saw', async (ctx) => {
    const sandbox = await startSandbox({ apiKey: API_KEY, seed: 9, faults: { http503: 0.3, reset: 0.1 } });
    ctx.onTestFinished(() => sandbox.close());
    const input = await offersCsv([...Array(20).keys()].map((i) => i + 1));
    const run = await apply(sandbox.url, input, '--max-attempts', '10', '--timeout', '5000');
    expect(run.code).toBe(0);
    const rows = await readResults(resultsOf(input));
    expect(rows.every((r) => r.status === 'updated')).toBe(true);
    expect(rows.reduce((sum, r) => sum + Number(r.attempts), 0)).toBe(sandbox.stats.requests);
    expect(sandbox.stats.requests).toBeGreaterThan(20);
    expect(Object.fromEntries(sandbox.store.updates)).toEqual(
      Object.fromEntries(rows.map((r) => [r.offer_id, 1])),
    );
  });
});
