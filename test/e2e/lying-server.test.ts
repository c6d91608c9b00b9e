import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { API_KEY, readResults, runCli, tempDir, writeCsv } from '../support/helpers.js';
import { answer, startScriptedServer, type Script } from '../support/scripted-server.js';

/** Runs `apply` on `csv` against a scripted server; returns the run, the results and what the server saw. */
async function applyAgainst(ctx: TestContext, script: Script, csv: string, ...flags: string[]) {
  const server = await startScriptedServer(script);
  ctx.onTestFinished(server.close);
  const dir = await tempDir();
  const input = await writeCsv(dir, 'offers.csv', csv);
  const run = await runCli(['apply', input, '--concurrency', '1', '--max-attempts', '3', ...flags], {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url },
  });
  return { run, server, rows: await readResults(join(dir, 'offers.results.csv')) };
}

const success = (offer: unknown) => ({ request_status: 'Success', offer });

describe.concurrent('a server that answers Success about something else', () => {
  it('fails every row echoed with another offer (the previous request) as E_ECHO_MISMATCH', async (ctx) => {
    let previous: Record<string, unknown> = { offer_id: 999999, payout: 1 };
    const { run, rows } = await applyAgainst(
      ctx,
      ({ body }, res) => {
        const { api_key: _key, ...sent } = body;
        answer(res, 200, success(previous));
        previous = sent;
      },
      'offer_id,payout\n11,5\n12,6\n13,7\n',
    );
    expect(run.code).toBe(1);
    expect(rows.map((row) => [row.status, row.error_code])).toEqual([
      ['failed', 'E_ECHO_MISMATCH'],
      ['failed', 'E_ECHO_MISMATCH'],
      ['failed', 'E_ECHO_MISMATCH'],
    ]);
    expect(rows[0]!.error).toContain('offer_id: sent 11, server has 999999');
    expect(rows[1]!.error).toContain('offer_id: sent 12, server has 11');
  });

  it.for([
    ['the offer id as text', { offer_id: '11', payout: 21 }, 'offer_id: sent 11, server has "11"'],
    ['a hexadecimal payout', { offer_id: 11, payout: '0x15' }, 'payout: sent 21, server has "0x15"'],
    ['a payout as text', { offer_id: 11, payout: '21' }, 'payout: sent 21, server has "21"'],
  ] as const)(
    'fails a row whose echo has %s: only a plain JSON number is a number',
    async ([, offer, message], ctx) => {
      const { rows } = await applyAgainst(
        ctx,
        (_request, res) => answer(res, 200, success(offer)),
        'offer_id,payout\n11,21\n',
      );
      expect(rows[0]).toMatchObject({ status: 'failed', error_code: 'E_ECHO_MISMATCH' });
      expect(rows[0]!.error).toContain(message);
    },
  );
});

describe.concurrent('failure messages are judged as whole phrases', () => {
  it('does not stop the run on a failure that merely mentions api_key', async (ctx) => {
    const { run, rows, server } = await applyAgainst(
      ctx,
      ({ body }, res) =>
        Number(body.offer_id) === 21
          ? answer(res, 200, {
              request_status: 'Failure',
              message: 'Offer 21: field api_key_2 is not allowed here',
            })
          : answer(res, 200, success({ offer_id: body.offer_id, payout: body.payout })),
      'offer_id,payout\n21,1\n22,2\n23,3\n',
    );
    expect(run.code).toBe(1);
    expect(server.requests).toHaveLength(3);
    expect(rows.map((row) => [row.status, row.error_code])).toEqual([
      ['failed', 'E_API_FAILURE'],
      ['updated', ''],
      ['updated', ''],
    ]);
  });

  it('does not retry "Offer is restricted ..." as throttling', async (ctx) => {
    const { rows, server } = await applyAgainst(
      ctx,
      (_request, res) =>
        answer(res, 200, {
          request_status: 'Failure',
          message: 'Offer is restricted to approved affiliates',
        }),
      'offer_id,payout\n31,1\n',
    );
    expect(server.requests).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', error_code: 'E_API_FAILURE', attempts: '1' });
  });

  it("still stops on CAKE's rejected-key message", async (ctx) => {
    const { run, rows, server } = await applyAgainst(
      ctx,
      (_request, res) => answer(res, 200, { request_status: 'Failure', message: 'Invalid API Key' }),
      'offer_id,payout\n41,1\n42,2\n',
    );
    expect(run.code).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(rows.map((row) => row.error_code)).toEqual(['E_AUTH', 'E_STOPPED_AUTH']);
  });
});
