import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/server.js';
import { KEY, list, listAll, listed, sandbox, update } from './client.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('List Offers paging', () => {
  it('answers the first 25 offers by offer_id when nothing is asked, with total_rows the catalog size', async (ctx) => {
    const s = await sandbox(ctx, { offers: 300 });
    const answer = await list(s);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.json?.request_status).toBe('Success');
    expect(answer.json?.total_rows).toBe(300);
    expect(answer.json?.offers.map((row) => row.offer.offer_id)).toEqual(range(1, 25));
    expect(answer.json?.offers[0]?.offer).toEqual(s.store.get(1));
  });

  it('covers every offer exactly once across pages, total_rows the same on each', async (ctx) => {
    const s = await sandbox(ctx, { offers: 1234 });
    const { offers, totals } = await listAll(s, {}, 100);
    expect(offers.map((offer) => offer.offer_id)).toEqual(range(1, 1234));
    expect(totals).toEqual([1234]);
  });

  it('lists from the last offer with sort_descending=true', async (ctx) => {
    const s = await sandbox(ctx, { offers: 1000 });
    const page = await listed(s, { sort_descending: true, start_at_row: 10, row_limit: 3 });
    expect(page.offers.map((offer) => offer.offer_id)).toEqual([990, 989, 988]);
    expect(page.totalRows).toBe(1000);
  });

  it('answers the end of a ten-million-offer catalog without reading the rest (row k is offer k+1)', async (ctx) => {
    const s = await sandbox(ctx);
    const page = await listed(s, { start_at_row: 9_999_990, row_limit: 25 });
    expect(page.offers.map((offer) => offer.offer_id)).toEqual(range(9_999_991, 10_000_000));
    expect(page.totalRows).toBe(10_000_000);
  });

  it('answers an empty page past the end, still with total_rows', async (ctx) => {
    const s = await sandbox(ctx, { offers: 40 });
    expect(await listed(s, { start_at_row: 40 })).toEqual({ offers: [], totalRows: 40 });
    expect(await listed(s, { row_limit: 0 })).toEqual({ offers: [], totalRows: 40 });
  });

  it('never puts more than maxRowLimit rows in a page, whatever row_limit asks', async (ctx) => {
    const s = await sandbox(ctx, { offers: 1000, maxRowLimit: 50 });
    const page = await listed(s, { row_limit: 200, start_at_row: 100 });
    expect(page.offers.map((offer) => offer.offer_id)).toEqual(range(101, 150));
    expect(page.totalRows).toBe(1000);
    s.configure({ maxRowLimit: 7 });
    expect((await listed(s, { row_limit: 200 })).offers).toHaveLength(7);
  });

  it('caps pages at 500 rows by default', async (ctx) => {
    const s = await sandbox(ctx, { offers: 2000 });
    expect((await listed(s, { row_limit: 1000 })).offers).toHaveLength(500);
  });

  it('serves List Offers under a base path, as update_offer is', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10 });
    const answer = await list(s, { offer_id: 4 }, { path: '/cake/api/2/offers.json' });
    expect(answer.json?.offers.map((row) => row.offer.offer_id)).toEqual([4]);
  });
});

describe('List Offers filters', () => {
  it('answers one offer for offer_id, and none for an id that does not exist', async (ctx) => {
    const s = await sandbox(ctx, { offers: 500 });
    expect(await listed(s, { offer_id: 321 })).toEqual({ offers: [s.store.get(321)], totalRows: 1 });
    expect(await listed(s, { offer_id: 501 })).toEqual({ offers: [], totalRows: 0 });
    expect(await listed(s, { offer_id: 0 })).toEqual({ offers: [], totalRows: 0 });
  });

  it('applies offer_id together with the other filters', async (ctx) => {
    const s = await sandbox(ctx, { offers: 500 });
    const offer = s.store.get(77)!;
    expect((await listed(s, { offer_id: 77, vertical_id: offer.vertical_id })).totalRows).toBe(1);
    expect((await listed(s, { offer_id: 77, vertical_id: offer.vertical_id + 1 })).totalRows).toBe(0);
  });

  // Each row: the filter, the value asked (taken from the catalog, so it matches some offers), and the rule.
  it.for([
    ['offer_status', () => 'paused', (id, s, v) => s.get(id)!.offer_status === v],
    ['vertical_id', () => 3, (id, s, v) => s.get(id)!.vertical_id === v],
    ['advertiser_id', (s) => s.get(1)!.advertiser_id, (id, s, v) => s.get(id)!.advertiser_id === v],
    ['tag_id', () => 7, (id, s, v) => s.tagIds(id).includes(v as number)],
  ] satisfies FilterCase[])(
    'lists exactly the offers matching %s, each once, in offer_id order',
    async ([name, pick, keep], ctx) => {
      const s = await sandbox(ctx, { offers: 3000 });
      const value = pick(s.store);
      const wanted = range(1, 3000).filter((id) => keep(id, s.store, value));
      expect(wanted.length).toBeGreaterThan(0);
      const { offers, totals } = await listAll(s, { [name]: value }, 40);
      expect(offers.map((offer) => offer.offer_id)).toEqual(wanted);
      expect(totals).toEqual([wanted.length]);
    },
  );

  it('combines filters and pages the filtered list from the end with sort_descending', async (ctx) => {
    const s = await sandbox(ctx, { offers: 3000 });
    const wanted = range(1, 3000)
      .filter((id) => s.store.get(id)!.offer_status === 'active' && s.store.get(id)!.vertical_id === 5)
      .reverse();
    const page = await listed(s, {
      offer_status: 'active',
      vertical_id: 5,
      sort_descending: 'true',
      start_at_row: 2,
      row_limit: 5,
    });
    expect(page.offers.map((offer) => offer.offer_id)).toEqual(wanted.slice(2, 7));
    expect(page.totalRows).toBe(wanted.length);
  });

  it('sorts by another field, ties by offer_id, and pages the sorted list without overlap', async (ctx) => {
    const s = await sandbox(ctx, { offers: 600 });
    const { offers } = await listAll(s, { sort_field: 'payout' }, 100);
    expect(offers).toHaveLength(600);
    expect(new Set(offers.map((offer) => offer.offer_id)).size).toBe(600);
    for (let i = 1; i < offers.length; i++) {
      const [a, b] = [offers[i - 1]!, offers[i]!];
      expect(a.payout < b.payout || (a.payout === b.payout && a.offer_id < b.offer_id)).toBe(true);
    }
    const top = await listed(s, { sort_field: 'payout', sort_descending: true, row_limit: 1 });
    expect(top.offers[0]).toEqual(offers.at(-1));
  });
});

type Store = Sandbox['store'];
type FilterCase = [
  string,
  (s: Store) => string | number,
  (id: number, s: Store, value: string | number) => boolean,
];

describe('List Offers refusals', () => {
  it.for([
    [{ offer_id: 'abc' }, /^Invalid offer_id/],
    [{ offer_id: '-3' }, /^Invalid offer_id/],
    [{ vertical_id: '2.5' }, /^Invalid vertical_id/],
    [{ start_at_row: 'first' }, /^Invalid start_at_row/],
    [{ row_limit: '-1' }, /^Invalid row_limit/],
    [{ offer_status: 'expired' }, /^Invalid offer_status/],
    [{ sort_field: 'clicks' }, /^Invalid sort_field/],
    [{ sort_descending: 'maybe' }, /^Invalid sort_descending/],
  ] as const)('answers %j with HTTP 200 and a Failure message', async ([params, message], ctx) => {
    const s = await sandbox(ctx, { offers: 10 });
    const answer = await list(s, params);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ request_status: 'Failure', message: expect.stringMatching(message) });
  });

  it.for([
    ['a missing key', null],
    ['a wrong key', 'not-the-key'],
  ] as const)(
    'answers %s with 401 as update_offer does, echoing neither the key nor the URL',
    async ([, key], ctx) => {
      const s = await sandbox(ctx, { offers: 10 });
      const answer = await list(s, { offer_id: 3 }, { key });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({ request_status: 'Failure', message: 'Invalid API key' });
      const everything = answer.text + JSON.stringify([...answer.headers]);
      for (const leak of [KEY, 'not-the-key', 'api_key', 'offers.json', String(s.port)]) {
        expect(everything).not.toContain(leak);
      }
      expect(s.stats.rowsRead).toBe(0);
    },
  );

  it('answers a good key with the same key missing from every answer', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10 });
    const answers = [await list(s), await list(s, { offer_id: 'x' }), await list(s, { offer_id: 99 })];
    for (const answer of answers)
      expect(answer.text + JSON.stringify([...answer.headers])).not.toContain(KEY);
  });

  it('answers 404 to a POST on offers.json', async (ctx) => {
    const s = await sandbox(ctx, { offers: 10 });
    const response = await fetch(`${s.url}/api/2/offers.json?api_key=${KEY}`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(s.stats.reads).toBe(0);
  });
});

describe('List Offers after updates', () => {
  it('reports what an update changed on the next read', async (ctx) => {
    const s = await sandbox(ctx, { offers: 100 });
    const before = (await listed(s, { offer_id: 42 })).offers[0]!;
    expect(
      (await update(s, { offer_id: 42, payout: 7.25, offer_name: 'Solar, Exclusive - NZ' })).status,
    ).toBe(200);
    const after = (await listed(s, { offer_id: 42 })).offers[0]!;
    expect(after).toEqual({ ...before, payout: 7.25, offer_name: 'Solar, Exclusive - NZ' });
    expect((await listed(s, { start_at_row: 41, row_limit: 1 })).offers).toEqual([after]);
  });

  it('filters on the values an update set', async (ctx) => {
    const s = await sandbox(ctx, { offers: 200 });
    const before = (await listed(s, { offer_status: 'pending' })).totalRows;
    await update(s, { offer_id: 150, offer_status: 'pending' });
    const after = await listed(s, { offer_status: 'pending' });
    expect(before).toBe(0);
    expect(after.offers.map((offer) => offer.offer_id)).toEqual([150]);
  });

  it('does not report an expiration_date CAKE does not report, until an update sets one', async (ctx) => {
    const s = await sandbox(ctx, { offers: 200 });
    const id = (await listAll(s)).offers.find((offer) => offer.expiration_date === undefined)!.offer_id;
    const echoed = await update(s, { offer_id: id, payout: 2 });
    expect(echoed.json?.offer).not.toHaveProperty('expiration_date');
    expect((await listed(s, { offer_id: id })).offers[0]).not.toHaveProperty('expiration_date');
    const set = await update(s, { offer_id: id, expiration_date: '2031-05-01 12:00:00' });
    expect(set.json?.offer).toMatchObject({ expiration_date: '2031-05-01 12:00:00' });
    expect((await listed(s, { offer_id: id })).offers[0]?.expiration_date).toBe('2031-05-01 12:00:00');
  });

  it('echoes only the fields update_offer changes', async (ctx) => {
    const s = await sandbox(ctx, { offers: 200 });
    const id = (await listAll(s)).offers.find((offer) => offer.expiration_date !== undefined)!.offer_id;
    const echoed = await update(s, { offer_id: id, revenue: 90 });
    expect(Object.keys(echoed.json?.offer as object)).toEqual([
      'offer_id',
      'offer_name',
      'offer_status',
      'payout',
      'revenue',
      'expiration_date',
    ]);
  });

  it('keeps untouched offers out of store.offers, whatever was read or refused', async (ctx) => {
    const s = await sandbox(ctx, { offers: 100 });
    await listAll(s);
    await update(s, { offer_id: 5, payout: -1 });
    await update(s, { offer_id: 6, payout: 1 });
    expect([...s.store.offers.keys()]).toEqual([6]);
    expect(s.store.offers.get(5)).toBeUndefined();
    expect(s.store.get(5)).toEqual(s.store.initial(5));
  });
});

describe('sandbox stats for reads', () => {
  it('counts reads and updates apart, and the rows the pages held', async (ctx) => {
    const s = await sandbox(ctx, { offers: 100 });
    await list(s, { row_limit: 30 });
    await list(s, { offer_id: 7 });
    await list(s, { offer_id: 'x' });
    await update(s, { offer_id: 7, payout: 1 });
    expect(s.stats).toMatchObject({ reads: 3, updates: 1, requests: 1, rowsRead: 31, applied: 1 });
    const served = (await (await fetch(`${s.url}/_sandbox/stats`)).json()) as Record<string, number>;
    expect(served).toMatchObject({ reads: 3, updates: 1, requests: 1, rowsRead: 31 });
  });
});
