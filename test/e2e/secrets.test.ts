import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { API_KEY, readResults, runCli, tempDir, writeCsv, type CliRun } from '../support/helpers.js';
import { answer, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

/** Every file the run left in `dir` except the ones the test wrote itself, with its text. */
async function outputs(dir: string, own: string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(dir)) {
    if (own.includes(name)) continue;
    files.set(name, await readFile(join(dir, name), 'utf8'));
  }
  return files;
}

function expectNoKey(run: CliRun, files: Map<string, string>): void {
  expect(run.stdout).not.toContain(API_KEY);
  expect(run.stderr).not.toContain(API_KEY);
  for (const [name, text] of files) expect(text, name).not.toContain(API_KEY);
}

/** Answers each offer id with a fixed status and body that quote the key back, as careless servers do. */
function leakyServer(answers: Record<number, { status: number; body: string }>): Promise<ScriptedServer> {
  return startScriptedServer(({ body }, res) => {
    const scripted = answers[Number(body.offer_id)];
    answer(
      res,
      scripted?.status ?? 500,
      scripted?.body ?? `{"message":"no script for api_key=${String(body.api_key)}"}`,
    );
  });
}

/** A sandbox for this test only, closed when it finishes (tests here run concurrently). */
async function sandbox(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

describe.concurrent('the API key', () => {
  it('never appears in stdout, stderr, the log or the results of a run with every kind of outcome', async (ctx) => {
    const s = await sandbox(ctx, {
      maxOfferId: 1000,
      seed: 3,
      faults: { http503: 0.15, reset: 0.05, malformed: 0.05 },
    });
    const dir = await tempDir();
    const ids = [...Array(20).keys()].map((i) => i + 1);
    const input = await writeCsv(
      dir,
      'offers.csv',
      `offer_id,payout\n${ids.map((id) => `${id},${id}`).join('\n')}\n5000,1\n21,$5\n`,
    );
    const run = await runCli(['apply', input, '--skip-invalid', '--max-attempts', '5', '--json'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    });
    expect(run.code).toBe(1);
    expect(s.stats.applied).toBeGreaterThan(0);
    expect(s.stats.byAnswer.http503).toBeGreaterThan(0);
    const statuses = (await readResults(join(dir, 'offers.results.csv'))).map((r) => r.status);
    expect(statuses).toContain('updated');
    expect(statuses).toContain('failed');
    expect(statuses).toContain('invalid');
    const files = await outputs(dir, ['offers.csv']);
    expect([...files.keys()]).toEqual(expect.arrayContaining(['offers.log.jsonl', 'offers.results.csv']));
    expectNoKey(run, files);
  });

  it('is redacted from server messages that quote it back', async (ctx) => {
    const server = await leakyServer({
      1: { status: 400, body: `{"message":"bad request for api_key=${API_KEY}"}` },
      2: { status: 200, body: `{"request_status":"Failure","message":"Offer 2 is locked (key ${API_KEY})"}` },
      3: { status: 404, body: `<html>No route for key ${API_KEY}</html>` },
      4: { status: 503, body: `<html>Service down, request ${API_KEY}</html>` },
    });
    ctx.onTestFinished(server.close);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,2\n3,3\n4,4\n');
    const run = await runCli(['apply', input, '--max-attempts', '2', '--concurrency', '1'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url },
    });
    expect(run.code).toBe(1);
    expect(server.requests.every(({ body }) => body.api_key === API_KEY)).toBe(true);
    const rows = await readResults(join(dir, 'offers.results.csv'));
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ['failed', 'E_HTTP_400'],
      ['failed', 'E_API_FAILURE'],
      ['failed', 'E_HTTP_404'],
      ['failed', 'E_HTTP_503'],
    ]);
    for (const row of rows) expect(row.error).toContain('[REDACTED]');
    expectNoKey(run, await outputs(dir, ['offers.csv']));
  });

  it('is redacted when a rejected-key message quotes it, and from the journal the stopped run keeps', async (ctx) => {
    const server = await leakyServer({
      1: { status: 200, body: `{"request_status":"Failure","message":"Invalid API key ${API_KEY}"}` },
    });
    ctx.onTestFinished(server.close);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,2\n3,3\n');
    const run = await runCli(['apply', input, '--concurrency', '1'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url },
    });
    expect(run.code).toBe(2);
    expect(server.requests).toHaveLength(1);
    const rows = await readResults(join(dir, 'offers.results.csv'));
    expect(rows[0]).toMatchObject({ status: 'failed', error_code: 'E_AUTH' });
    expect(rows[0]!.error).toContain('[REDACTED]');
    const files = await outputs(dir, ['offers.csv']);
    expect([...files.keys()]).toContain('offers.results.csv.journal');
    expectNoKey(run, files);
  });

  it('read from --api-key-file appears nowhere but in that file', async (ctx) => {
    const s = await sandbox(ctx);
    const dir = await tempDir();
    await writeFile(join(dir, 'key'), `${API_KEY}\n`);
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout,offer_status\n1,1,ACTIVE\n2,2,\n');
    const run = await runCli(['apply', input, '--api-key-file', join(dir, 'key'), '--json'], {
      env: { CAKE_BASE_URL: s.url },
    });
    expect(run.code).toBe(0);
    expect(s.stats.applied).toBe(2);
    expectNoKey(run, await outputs(dir, ['offers.csv', 'key']));
  });

  it('never appears in a dry run, even with the key set', async () => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,$2\n');
    const run = await runCli(['apply', input, '--dry-run'], { env: { CAKE_API_KEY: API_KEY } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 2: POST update_offer');
    expectNoKey(run, await outputs(dir, ['offers.csv']));
  });

  it('never appears in the output of a rerun', async (ctx) => {
    const s = await sandbox(ctx, { faults: { http503: 1 } });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,2\n');
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };
    expect((await runCli(['apply', input, '--max-attempts', '1'], { env })).code).toBe(1);
    s.configure({ faults: {} });
    const rerun = await runCli(['rerun', join(dir, 'offers.results.csv')], { env });
    expect(rerun.code).toBe(0);
    expectNoKey(rerun, await outputs(dir, ['offers.csv']));
  });
});
