import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type Sandbox } from '../../src/sandbox/server.js';
import { API_KEY, CLI, useSandboxes } from '../support/helpers.js';

const sandbox = useSandboxes();

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function post(s: Sandbox, body: Record<string, unknown>, timeoutMs = 5000): Promise<Answer> {
  const response = await fetch(`${s.url}/api/2/update_offer.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: API_KEY, ...body }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

describe('sandbox update_offer', () => {
  it('applies an update and echoes the whole offer with Success', async () => {
    const s = await sandbox();
    const before = s.store.get(12)!;
    const answer = await post(s, { offer_id: 12, payout: 3.5, offer_status: 'pending' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      request_status: 'Success',
      offer: {
        offer_id: 12,
        offer_name: before.offer_name,
        offer_status: 'pending',
        payout: 3.5,
        revenue: before.revenue,
        ...(before.expiration_date === undefined ? {} : { expiration_date: before.expiration_date }),
      },
    });
    expect(s.store.updates.get(12)).toBe(1);
    expect(s.stats).toMatchObject({ requests: 1, applied: 1, inFlight: 0 });
  });

  it('answers an unknown offer id with HTTP 200 and a Failure message', async () => {
    const s = await sandbox({ maxOfferId: 100 });
    const answer = await post(s, { offer_id: 101, payout: 1 });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ request_status: 'Failure', message: 'Offer ID 101 not found' });
    expect(s.stats.applied).toBe(0);
  });

  it.each([
    [{ offer_status: 'Active' }, 'Invalid offer_status'],
    [{ payout: '3' }, 'Invalid payout'],
    [{ revenue: -1 }, 'Invalid revenue'],
    [{ expiration_date: '2026-01-01' }, 'Invalid expiration_date'],
    [{ offer_name: '  ' }, 'Invalid offer_name'],
  ])('refuses %j with a Failure message, as CAKE does', async (fields, message) => {
    const s = await sandbox();
    const answer = await post(s, { offer_id: 1, ...fields });
    expect(answer.json).toEqual({ request_status: 'Failure', message });
    expect(s.store.updates.size).toBe(0);
  });

  it('answers a wrong key with 401 and applies nothing', async () => {
    const s = await sandbox({ apiKey: 'another-key' });
    const answer = await post(s, { offer_id: 1, payout: 1 });
    expect(answer.status).toBe(401);
    expect(s.stats.applied).toBe(0);
  });

  it('stores payouts rounded to payoutDecimals', async () => {
    const s = await sandbox({ payoutDecimals: 2 });
    const answer = await post(s, { offer_id: 1, payout: 1.2345 });
    expect((answer.json?.offer as { payout: number }).payout).toBe(1.23);
  });

  it('leaves fields that were not sent as they were', async () => {
    const s = await sandbox();
    await post(s, { offer_id: 3, payout: 9 });
    await post(s, { offer_id: 3, revenue: 4 });
    expect(s.store.offers.get(3)).toEqual({ ...s.store.initial(3), payout: 9, revenue: 4 });
    expect(s.store.updates.get(3)).toBe(2);
  });
});

describe('sandbox faults', () => {
  it('answers 503 with an HTML body and applies nothing', async () => {
    const s = await sandbox({ faults: { http503: 1 } });
    const answer = await post(s, { offer_id: 1, payout: 1 });
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('Service Unavailable');
    expect(s.stats.applied).toBe(0);
    expect(s.stats.byAnswer).toEqual({ http503: 1 });
  });

  it('answers 429 with the configured Retry-After', async () => {
    const s = await sandbox({ faults: { http429: 1 }, retryAfterSeconds: 3 });
    const answer = await post(s, { offer_id: 1, payout: 1 });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
  });

  it("answers 200 with CAKE's throttling message and applies nothing", async () => {
    const s = await sandbox({ faults: { throttleMessage: 1 } });
    const answer = await post(s, { offer_id: 1, payout: 1 });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      request_status: 'Failure',
      message: expect.stringMatching(/Restricted/),
    });
    expect(s.stats.applied).toBe(0);
  });

  it('applies the update, then answers a body that is not JSON (malformed)', async () => {
    const s = await sandbox({ faults: { malformed: 1 } });
    const answer = await post(s, { offer_id: 1, payout: 1 });
    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();
    expect(s.stats.applied).toBe(1);
  });

  it('resets the connection before applying (reset)', async () => {
    const s = await sandbox({ faults: { reset: 1 } });
    await expect(post(s, { offer_id: 1, payout: 1 })).rejects.toThrow();
    expect(s.stats.applied).toBe(0);
  });

  it('applies, then resets the connection (resetAfterApply)', async () => {
    const s = await sandbox({ faults: { resetAfterApply: 1 } });
    await expect(post(s, { offer_id: 1, payout: 1 })).rejects.toThrow();
    expect(s.stats.applied).toBe(1);
  });

  it('never answers a hung request', async () => {
    const s = await sandbox({ faults: { hang: 1 } });
    await expect(post(s, { offer_id: 1, payout: 1 }, 300)).rejects.toThrow(/timeout|abort/i);
    expect(s.stats.applied).toBe(0);
  });

  it('answers normally again after configure({ faults: {} })', async () => {
    const s = await sandbox({ faults: { http503: 1 } });
    expect((await post(s, { offer_id: 1, payout: 1 })).status).toBe(503);
    s.configure({ faults: {} });
    expect((await post(s, { offer_id: 1, payout: 1 })).status).toBe(200);
  });

  it('replays the same fault pattern for the same seed', async () => {
    const pattern = async (seed: number) => {
      const s = await sandbox({ seed, faults: { http503: 0.5 } });
      const statuses: number[] = [];
      for (let i = 1; i <= 12; i++) statuses.push((await post(s, { offer_id: i, payout: 1 })).status);
      return statuses;
    };
    const first = await pattern(7);
    expect(await pattern(7)).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('answers 429 beyond maxRps', async () => {
    const s = await sandbox({ maxRps: 1 });
    const statuses = [];
    for (let i = 1; i <= 3; i++) statuses.push((await post(s, { offer_id: i, payout: 1 })).status);
    expect(statuses).toEqual([200, 429, 429]);
    expect(s.stats.applied).toBe(1);
  });

  it('refuses connections while down and answers again once up', async () => {
    const s = await sandbox();
    await s.down();
    await expect(post(s, { offer_id: 1, payout: 1 })).rejects.toThrow();
    await s.up();
    expect((await post(s, { offer_id: 1, payout: 1 })).status).toBe(200);
  });
});

describe('sandbox stats', () => {
  it('counts requests in flight at most, with latency', async () => {
    const s = await sandbox({ latencyMs: 100 });
    await Promise.all([1, 2, 3].map((id) => post(s, { offer_id: id, payout: 1 })));
    expect(s.stats.maxInFlight).toBe(3);
    expect(s.stats.inFlight).toBe(0);
    expect(s.stats.requests).toBe(3);
  });

  it('serves its stats over HTTP', async () => {
    const s = await sandbox();
    await post(s, { offer_id: 1, payout: 1 });
    const stats = (await (await fetch(`${s.url}/_sandbox/stats`)).json()) as { requests: number };
    expect(stats.requests).toBe(1);
  });
});

describe('cake-bulk sandbox', () => {
  it('starts the simulator on 127.0.0.1 with the key from CAKE_API_KEY and stops on SIGINT', async (ctx) => {
    const child = spawn(process.execPath, [CLI, 'sandbox', '--port', '0', '--latency', '1'], {
      env: { PATH: process.env.PATH, CAKE_API_KEY: API_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    ctx.onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.on('exit', () => reject(new Error(`sandbox exited: ${stderr}`)));
    });
    const ok = await fetch(`${url}/api/2/update_offer.json`, {
      method: 'POST',
      body: JSON.stringify({ api_key: API_KEY, offer_id: 5, payout: 2 }),
    });
    expect(((await ok.json()) as { request_status: string }).request_status).toBe('Success');
    const wrong = await fetch(`${url}/api/2/update_offer.json`, {
      method: 'POST',
      body: JSON.stringify({ api_key: 'sandbox-key', offer_id: 5, payout: 2 }),
    });
    expect(wrong.status).toBe(401);
    expect(stderr).not.toContain(API_KEY);
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
