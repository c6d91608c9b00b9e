import { describe, expect, it } from 'vitest';
import { list, sandbox, update } from './client.js';

describe('faults on List Offers', () => {
  it('answers 503 with an HTML body', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { http503: 1 } });
    const answer = await list(s);
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('Service Unavailable');
    expect(s.stats).toMatchObject({ reads: 1, rowsRead: 0, byAnswer: { http503: 1 } });
  });

  it('answers 429 with the configured Retry-After', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { http429: 1 }, retryAfterSeconds: 4 });
    const answer = await list(s);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('4');
    expect(answer.json).toEqual({ request_status: 'Failure', message: 'Too many requests' });
  });

  it('answers the same 429 beyond maxRps as the 429 fault', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, maxRps: 1, retryAfterSeconds: 2 });
    const [first, second] = [await list(s), await list(s)];
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('2');
    expect(second.json).toEqual({ request_status: 'Failure', message: 'Too many requests' });
    expect(s.stats.byAnswer).toEqual({ answer: 1, 429: 1 });
  });

  it("answers 200 with CAKE's throttling message", async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { throttleMessage: 1 } });
    const answer = await list(s);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      request_status: 'Failure',
      message: expect.stringMatching(/Restricted/),
    });
  });

  it.for(['reset', 'resetAfterApply'] as const)('resets the connection (%s)', async (fault, ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { [fault]: 1 } });
    await expect(list(s)).rejects.toThrow();
    expect(s.stats.rowsRead).toBe(0);
  });

  it('answers 200 with a body that is not JSON (malformed), counting no rows read', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { malformed: 1 } });
    const answer = await list(s);
    expect(answer.status).toBe(200);
    expect(answer.json).toBeUndefined();
    expect(s.stats.rowsRead).toBe(0);
  });

  it('never answers a hung read', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, faults: { hang: 1 } });
    await expect(list(s, {}, { timeoutMs: 300 })).rejects.toThrow(/timeout|abort/i);
  });

  it('waits latencyMs before answering a read', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10, latencyMs: 120 });
    const started = performance.now();
    expect((await list(s)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('draws reads and updates from one seeded fault stream', async (ctx) => {
    const pattern = async (seed: number, order: Array<'read' | 'update'>) => {
      const s = await sandbox(ctx, { offers: 100, seed, faults: { http503: 0.5 } });
      const statuses: number[] = [];
      for (const [i, kind] of order.entries()) {
        const answer = kind === 'read' ? await list(s) : await update(s, { offer_id: i + 1, payout: 1 });
        statuses.push(answer.status);
      }
      return statuses;
    };
    const mixed = Array.from({ length: 12 }, (_, i): 'read' | 'update' => (i % 3 === 0 ? 'update' : 'read'));
    const readsOnly = mixed.map((): 'read' => 'read');
    const first = await pattern(7, mixed);
    expect(first).toContain(503);
    expect(first).toContain(200);
    expect(await pattern(7, readsOnly)).toEqual(first);
  });
});
