import { beforeAll, describe, expect, it } from 'vitest';
import type { Offer } from '../../src/sandbox/catalog.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { KEY, listAll, listed, sandbox, update } from './client.js';

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const now = new Date().toISOString().replace('T', ' ').slice(0, 19);

describe('the seeded catalog', () => {
  it('gives the same offers for the same catalogSeed and different ones for another', async (ctx) => {
    const [a, b, c] = await Promise.all([
      sandbox(ctx, { offers: 1000, catalogSeed: 5 }),
      sandbox(ctx, { offers: 1000, catalogSeed: 5 }),
      sandbox(ctx, { offers: 1000, catalogSeed: 6 }),
    ]);
    const page = { start_at_row: 500, row_limit: 200 };
    const [first, again, other] = await Promise.all([listed(a, page), listed(b, page), listed(c, page)]);
    expect(again).toEqual(first);
    const same = other.offers.filter((offer, i) => offer.offer_name === first.offers[i]!.offer_name);
    expect(same.length).toBeLessThan(100);
    expect(other.offers.map((o) => o.payout)).not.toEqual(first.offers.map((o) => o.payout));
  });

  it('gives an offer the same values whatever the catalog size', async (ctx) => {
    const [small, large] = await Promise.all([sandbox(ctx, { offers: 50 }), sandbox(ctx)]);
    expect(await listed(large, { row_limit: 50 })).toEqual({
      ...(await listed(small, { row_limit: 50 })),
      totalRows: 10_000_000,
    });
  });

  describe('over 10,000 offers', () => {
    let offers: Offer[] = [];
    const share = (keep: (offer: Offer) => boolean) => offers.filter(keep).length / offers.length;

    beforeAll(async () => {
      const s = await startSandbox({ apiKey: KEY, offers: 10_000 });
      offers = (await listAll(s)).offers;
      await s.close();
      expect(offers).toHaveLength(10_000);
    });

    it('has about 2% of offers paying out more than their revenue, and payout below revenue otherwise', () => {
      expect(share((o) => o.payout > o.revenue)).toBeGreaterThan(0.012);
      expect(share((o) => o.payout > o.revenue)).toBeLessThan(0.03);
      expect(share((o) => o.payout === o.revenue)).toBe(0);
    });

    it('has about 3% of offers active with an expiration_date in the past', () => {
      const expired = share((o) => o.expiration_date !== undefined && o.expiration_date < now);
      expect(expired).toBeGreaterThan(0.02);
      expect(expired).toBeLessThan(0.04);
      expect(
        share(
          (o) => o.expiration_date !== undefined && o.expiration_date < now && o.offer_status !== 'active',
        ),
      ).toBe(0);
    });

    it('does not report expiration_date for about 20% of offers, and reports the rest as YYYY-MM-DD HH:MM:SS', () => {
      expect(share((o) => !('expiration_date' in o))).toBeGreaterThan(0.18);
      expect(share((o) => !('expiration_date' in o))).toBeLessThan(0.22);
      for (const offer of offers)
        if (offer.expiration_date !== undefined) expect(offer.expiration_date).toMatch(DATE_TIME);
    });

    it('is mostly active, with some paused and some inactive', () => {
      expect(share((o) => o.offer_status === 'active')).toBeGreaterThan(0.8);
      expect(share((o) => o.offer_status === 'paused')).toBeGreaterThan(0.05);
      expect(share((o) => o.offer_status === 'inactive')).toBeGreaterThan(0.02);
      expect(share((o) => !['active', 'paused', 'inactive'].includes(o.offer_status))).toBe(0);
    });

    it('names offers by vertical and geo, some with commas or quotes', () => {
      for (const offer of offers) expect(offer.offer_name).toMatch(/^[A-Z][A-Za-z ]+.* - [A-Z]{2}\b/);
      expect(share((o) => o.offer_name.includes(','))).toBeGreaterThan(0.02);
      expect(share((o) => o.offer_name.includes('"'))).toBeGreaterThan(0.02);
    });

    it('gives every offer the fields List Offers reports, amounts in cents', () => {
      for (const offer of offers) {
        expect(Object.keys(offer).slice(0, 10)).toEqual([
          'offer_id',
          'offer_name',
          'offer_status',
          'vertical_id',
          'advertiser_id',
          'offer_url',
          'payout',
          'payout_type',
          'revenue',
          'session_hours',
        ]);
        expect(['CPA', 'CPL']).toContain(offer.payout_type);
        expect(offer.offer_url).toMatch(/^https:\/\//);
        expect(Math.round(offer.payout * 100) / 100).toBe(offer.payout);
        expect(Math.round(offer.revenue * 100) / 100).toBe(offer.revenue);
        expect(offer.session_hours).toBeGreaterThan(0);
      }
      expect(share((o) => o.payout_type === 'CPA')).toBeGreaterThan(0.1);
      expect(share((o) => o.payout_type === 'CPL')).toBeGreaterThan(0.1);
    });
  });
});

describe('catalog size and preloaded values', () => {
  it('makes offers 1..offers exist and no other', async (ctx) => {
    const s = await sandbox(ctx, { offers: 30 });
    expect((await update(s, { offer_id: 30, payout: 1 })).json).toMatchObject({ request_status: 'Success' });
    expect((await update(s, { offer_id: 31, payout: 1 })).json).toEqual({
      request_status: 'Failure',
      message: 'Offer ID 31 not found',
    });
    expect((await listed(s)).totalRows).toBe(30);
  });

  it('takes maxOfferId as the older name of offers', async (ctx) => {
    const s = await sandbox(ctx, { maxOfferId: 12 });
    expect((await listed(s)).totalRows).toBe(12);
    expect(await listed(await sandbox(ctx, { offers: 12, maxOfferId: 12 }))).toEqual(await listed(s));
  });

  it.for([
    [{ offers: 10, maxOfferId: 20 }, /one of `offers` and `maxOfferId`/],
    [{ offers: -1 }, /`offers` to be a whole number from 0 to 2147483647, got `-1`/],
    [{ maxRowLimit: 0 }, /`maxRowLimit` to be a whole number from 1 up, got `0`/],
    [{ offers: 10, catalog: [{ offer_id: 11 }] }, /`catalog\[0\].offer_id` to be an id from 1 to 10/],
    [{ catalog: [{ offer_id: 3 }, { offer_id: 3 }] }, /`catalog\[1\].offer_id` .* not given before, got 3/],
    [{ catalog: [{ offer_id: 3, payout: -2 }] }, /`catalog\[0\].payout` to be a number from 0 up, got `-2`/],
    [{ catalog: [{ offer_id: 3, offer_status: 'live' }] }, /`catalog\[0\].offer_status` to be one of active/],
    [
      { catalog: [{ offer_id: 3, expiration_date: '2026-01-01' }] },
      /expiration_date` to be YYYY-MM-DD HH:MM:SS/,
    ],
  ] as const)('refuses %j with E_USAGE, saying what was expected', async ([options, message]) => {
    await expect(startSandbox(options)).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(message),
    });
  });

  it('starts preloaded offers from their catalog values, field by field over the seeded ones', async (ctx) => {
    const s = await sandbox(ctx, {
      offers: 100,
      catalog: [
        { offer_id: 8, offer_name: 'Cards, "Gold" - US', payout: 60, revenue: 50 },
        { offer_id: 9, expiration_date: null },
        { offer_id: 10, offer_status: 'paused', expiration_date: '2020-01-31 23:59:59' },
      ],
    });
    const seeded = await startSandbox({ offers: 100, port: 0 });
    ctx.onTestFinished(() => seeded.close());
    const [eight, nine, ten] = (await listed(s, { start_at_row: 7, row_limit: 3 })).offers;
    expect(eight).toEqual({
      ...seeded.store.get(8),
      offer_name: 'Cards, "Gold" - US',
      payout: 60,
      revenue: 50,
    });
    const { expiration_date: _, ...nineSeeded } = seeded.store.get(9)!;
    expect(nine).toEqual(nineSeeded);
    expect(ten).toEqual({
      ...seeded.store.get(10),
      offer_status: 'paused',
      expiration_date: '2020-01-31 23:59:59',
    });
    expect(s.store.initial(8)).toEqual(eight);
    expect(s.store.offers.size).toBe(0);
  });

  it('echoes a preloaded offer on update as it lists it', async (ctx) => {
    const s = await sandbox(ctx, {
      offers: 100,
      catalog: [{ offer_id: 9, revenue: 12.5, expiration_date: null }],
    });
    const echoed = (await update(s, { offer_id: 9, payout: 3 })).json?.offer;
    expect(echoed).toEqual({
      offer_id: 9,
      offer_name: s.store.initial(9)!.offer_name,
      offer_status: s.store.initial(9)!.offer_status,
      payout: 3,
      revenue: 12.5,
    });
  });
});
