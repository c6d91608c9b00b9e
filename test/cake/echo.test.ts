import { describe, expect, it } from 'vitest';
import { findMismatches, readEchoedOffer } from '../../src/cake/echo.js';

describe('readEchoedOffer', () => {
  it('keeps the update fields as the server wrote them, as text', () => {
    expect(
      readEchoedOffer({
        offer_id: 5,
        offer_name: 'Promo',
        offer_status: 'active',
        payout: 1.5,
        revenue: 0,
        expiration_date: '2026-01-31 10:00:00',
        other: 'ignored',
      }),
    ).toEqual({
      offer_name: 'Promo',
      offer_status: 'active',
      payout: '1.5',
      revenue: '0',
      expiration_date: '2026-01-31 10:00:00',
    });
  });

  it('leaves out null and missing fields', () => {
    expect(readEchoedOffer({ payout: null, revenue: 3 })).toEqual({ revenue: '3' });
  });

  it.each([undefined, null, 'Success', 42])('reads %j as no offer', (value) => {
    expect(readEchoedOffer(value)).toEqual({});
  });
});

describe('findMismatches', () => {
  it('reports a payout the server rounded, showing both values', () => {
    expect(findMismatches({ offer_id: 1, payout: 1.2345 }, { payout: '1.23' })).toEqual([
      'payout: sent 1.2345, server has "1.23"',
    ]);
  });

  it('compares numbers by value, not by text', () => {
    expect(
      findMismatches({ offer_id: 1, payout: 20, revenue: 0.5 }, { payout: '20.0000', revenue: '.5' }),
    ).toEqual([]);
  });

  it('compares offer_status without case', () => {
    expect(findMismatches({ offer_id: 1, offer_status: 'active' }, { offer_status: 'Active' })).toEqual([]);
    expect(findMismatches({ offer_id: 1, offer_status: 'active' }, { offer_status: 'Inactive' })).toEqual([
      'offer_status: sent "active", server has "Inactive"',
    ]);
  });

  it('treats an ISO echo of the same wall-clock date-time as equal', () => {
    const sent = { offer_id: 1, expiration_date: '2026-01-31 10:00:00' };
    expect(findMismatches(sent, { expiration_date: '2026-01-31T10:00:00.000Z' })).toEqual([]);
    expect(findMismatches(sent, { expiration_date: '2026-01-31T11:00:00' })).toHaveLength(1);
  });

  it('compares offer_name exactly', () => {
    expect(findMismatches({ offer_id: 1, offer_name: 'Promo' }, { offer_name: 'promo' })).toEqual([
      'offer_name: sent "Promo", server has "promo"',
    ]);
  });

  it('does not report fields that were not sent or not echoed', () => {
    expect(findMismatches({ offer_id: 1, payout: 2 }, { revenue: '99', offer_name: 'x' })).toEqual([]);
    expect(findMismatches({ offer_id: 1, payout: 2, revenue: 3 }, {})).toEqual([]);
  });

  it('reports every differing field', () => {
    expect(
      findMismatches({ offer_id: 1, payout: 2, revenue: 3 }, { payout: '2.5', revenue: '4' }),
    ).toHaveLength(2);
  });
});
