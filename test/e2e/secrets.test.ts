import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  API_KEY,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
  sandboxFor,
} from '../support/helpers.js';
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

/** Every 8-character piece of the key: a key cut short is still a leak. */
const KEY_PIECES = Array.from({ length: API_KEY.length - 7 }, (_, i) => API_KEY.slice(i, i + 8));

function expectNoKey(run: CliRun, files: Map<string, string>): void {
  const leaks = (text: string) => KEY_PIECES.filter((piece) => text.includes(piece));
  expect(leaks(run.stdout)).toEqual([]);
  expect(leaks(run.stderr)).toEqual([]);
  for (const [name, text] of files) expect(leaks(text), name).toEqual([]);
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

describe.concurrent('the API key', () => {
  it('never appears in stdout, stderr, the log or the results of a run with every kind of outcome', async (ctx) => {
    const s = await sandboxFor(ctx, {
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
    const s = await sandboxFor(ctx);
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
    const run = await runCli(['apply', input, '--dry-run', '--show-requests'], {
      env: { CAKE_API_KEY: API_KEY },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('row 2: POST update_offer');
    expectNoKey(run, await outputs(dir, ['offers.csv']));
  });

  it('never appears in the output of a rerun', async (ctx) => {
    const s = await sandboxFor(ctx, { faults: { http503: 1 } });
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,2\n');
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };
    expect((await runCli(['apply', input, '--max-attempts', '1'], { env })).code).toBe(1);
    s.configure({ faults: {} });
    const rerun = await runCli(['rerun', join(dir, 'offers.results.csv')], { env });
    expect(rerun.code).toBe(0);
    expectNoKey(rerun, await outputs(dir, ['offers.csv']));
  });

  it('is scrubbed from server text before it is cut, so no piece of it survives the cut', async (ctx) => {
    const padding = 'x'.repeat(100);
    const server = await leakyServer({
      1: { status: 500, body: `${padding}${API_KEY}${padding}` },
      2: { status: 200, body: `not json: ${padding.slice(0, 90)} {"api_key":"${API_KEY}","offer_id":2}` },
      3: { status: 400, body: `<pre>${padding.slice(0, 95)}${API_KEY}</pre>` },
      4: { status: 401, body: `{"message":"${padding}${API_KEY}"}` },
    });
    ctx.onTestFinished(server.close);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n2,2\n3,3\n4,4\n5,5\n');
    const run = await runCli(['apply', input, '--max-attempts', '2', '--concurrency', '1'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url },
    });
    expect(run.code).toBe(2);
    const rows = await readResults(join(dir, 'offers.results.csv'));
    expect(rows.map((r) => r.error_code)).toEqual([
      'E_HTTP_500',
      'E_BAD_RESPONSE',
      'E_HTTP_400',
      'E_AUTH',
      'E_STOPPED_AUTH',
    ]);
    const files = await outputs(dir, ['offers.csv']);
    expect([...files.keys()]).toContain('offers.results.csv.journal');
    expectNoKey(run, files);
  });

  it('is scrubbed from echoed offer fields: the results columns, a mismatch message and the journal', async (ctx) => {
    const server = await startScriptedServer(({ body }, res) => {
      if (Number(body.offer_id) === 3) return answer(res, 401, { message: 'stop here' });
      answer(res, 200, {
        request_status: 'Success',
        offer: {
          offer_id: body.offer_id,
          payout: body.payout,
          offer_name: body.api_key,
          offer_status: `was ${String(body.api_key).slice(2, 30)}`,
        },
      });
    });
    ctx.onTestFinished(server.close);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout,offer_name\n1,1,\n2,2,Promo\n3,3,\n');
    const run = await runCli(['apply', input, '--concurrency', '1'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url },
    });
    expect(run.code).toBe(2);
    const rows = await readResults(join(dir, 'offers.results.csv'));
    expect(rows[0]).toMatchObject({
      status: 'updated',
      result_offer_name: '[REDACTED]',
      result_offer_status: 'was [REDACTED]',
    });
    expect(rows[1]).toMatchObject({ status: 'failed', error_code: 'E_ECHO_MISMATCH' });
    expect(rows[1]!.error).toContain('offer_name: sent "Promo", server has "[REDACTED]"');
    const files = await outputs(dir, ['offers.csv']);
    expect(files.get('offers.results.csv.journal')).toContain('[REDACTED]');
    expectNoKey(run, files);
  });

  it.each([
    ['shorter than 8 characters', 'abc1234', /the API key is 7 characters long/],
    ['holding a space', 'abcd 1234efgh', /contains a space, line break or control character/],
    [
      'holding a control character',
      'abcd\u00071234efgh',
      /contains a space, line break or control character/,
    ],
  ])('refuses a key %s, without quoting it, before anything is written', async (_name, key, message) => {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n');
    const run = await runCli(['apply', input, '--base-url', 'http://127.0.0.1:9'], {
      env: { CAKE_API_KEY: key },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain(key);
    expect([...(await outputs(dir, ['offers.csv'])).keys()]).toEqual([]);
  });

  it('trims CAKE_API_KEY as it trims the key file', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n');
    const run = await runCli(['apply', input], {
      env: { CAKE_API_KEY: `  ${API_KEY}\n`, CAKE_BASE_URL: s.url },
    });
    expect(run.code).toBe(0);
    expect(s.stats.applied).toBe(1);
  });

  it.each([
    ['a user name and password', `https://ops:${API_KEY}@admin.example.com`],
    ['the key as a query parameter', `https://admin.example.com/?api_key=${API_KEY}`],
    ['a fragment', `https://admin.example.com/#${API_KEY}`],
  ])(
    'refuses --base-url with %s, saying where the key goes, and quotes no part of it',
    async (_name, url) => {
      const dir = await tempDir();
      const input = await writeCsv(dir, 'offers.csv', 'offer_id,payout\n1,1\n');
      const run = await runCli(['apply', input, '--base-url', url], {
        env: { CAKE_API_KEY: 'another-key-123456' },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--base-url must .*CAKE_API_KEY or --api-key-file/);
      expectNoKey(run, await outputs(dir, ['offers.csv']));
      expect([...(await outputs(dir, ['offers.csv'])).keys()]).toEqual([]);
    },
  );
});
