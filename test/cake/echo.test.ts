import { describe, expect, it } from 'vitest';
import { checkEcho } from '../../src/cake/echo.js';
import { createRedactor } from '../../src/redact.js';

const KEY = 'echo-key-5d1c7b9e03';
const redact = createRedactor(KEY);
const echo = (request: Parameters<typeof checkEcho>[0], offer: unknown) => checkEcho(request, offer, redact);

describe('the result columns of an echoed offer', () => {
  it('keeps the update fields as the server wrote them, as text', () => {
    expect(
      echo(
        { offer_id: 5 },
        {
          offer_id: 5,
          offer_name: 'Promo',
          offer_status: 'active',
          payout: 1.5,
          revenue: 0,
          expiration_date: '2026-01-31 10:00:00',
          other: 'ignored',
        },
      ).offer,
    ).toEqual({
      offer_name: 'Promo',
      offer_status: 'active',
      payout: '1.5',
      revenue: '0',
      expiration_date: '2026-01-31 10:00:00',
    });
  });

  it('leaves out null and missing fields', () => {
    expect(echo({ offer_id: 1 }, { payout: null, revenue: 3 }).offer).toEqual({ revenue: '3' });
  });

  it.each([undefined, null, 'Success', 42, [1]])('reads %j as no offer', (value) => {
    expect(echo({ offer_id: 1 }, value)).toEqual({ offer: {}, mismatches: [] });
  });

  it('scrubs the key from every echoed field, the whole key and a piece of it', () => {
    const { offer } = echo(
      { offer_id: 1, payout: 2 },
      { offer_id: 1, payout: 2, offer_name: KEY, offer_status: `x${KEY.slice(3, 15)}y` },
    );
    expect(offer.offer_name).toBe('[REDACTED]');
    expect(offer.offer_status).toBe('x[REDACTED]y');
  });
});

describe('what makes an echo disagree with the request (E_ECHO_MISMATCH)', () => {
  it('an offer_id that is not the one sent: an answer about another offer', () => {
    expect(echo({ offer_id: 7, payout: 2 }, { offer_id: 999999, payout: 2 }).mismatches).toEqual([
      'offer_id: sent 7, server has 999999',
    ]);
  });

  it.each([['"7"'], ['"0x7"'], ['7.5']])('an offer_id echoed as %s', (json) => {
    expect(echo({ offer_id: 7 }, { offer_id: JSON.parse(json) as unknown }).mismatches).toHaveLength(1);
  });

  it.each([['"0x15"'], ['"21"'], ['null, as text'], ['true']])(
    'a payout of 21 echoed as %s, not a JSON number',
    (json) => {
      const value = json === 'null, as text' ? 'null' : (JSON.parse(json) as unknown);
      expect(echo({ offer_id: 1, payout: 21 }, { payout: value }).mismatches).toEqual([
        `payout: sent 21, server has ${JSON.stringify(value)}`,
      ]);
    },
  );

  it('a payout the server rounded, showing both values', () => {
    expect(echo({ offer_id: 1, payout: 1.2345 }, { payout: 1.23 }).mismatches).toEqual([
      'payout: sent 1.2345, server has 1.23',
    ]);
  });

  it('not numbers that are equal by value', () => {
    expect(
      echo({ offer_id: 1, payout: 20, revenue: 0.5 }, { payout: 20.0, revenue: 0.5 }).mismatches,
    ).toEqual([]);
  });

  it('not offer_status in another case', () => {
    expect(echo({ offer_id: 1, offer_status: 'active' }, { offer_status: 'Active' }).mismatches).toEqual([]);
    expect(echo({ offer_id: 1, offer_status: 'active' }, { offer_status: 'Inactive' }).mismatches).toEqual([
      'offer_status: sent "active", server has "Inactive"',
    ]);
  });

  it('not an ISO echo of the same wall-clock date-time', () => {
    const sent = { offer_id: 1, expiration_date: '2026-01-31 10:00:00' };
    expect(echo(sent, { expiration_date: '2026-01-31T10:00:00.000Z' }).mismatches).toEqual([]);
    expect(echo(sent, { expiration_date: '2026-01-31T11:00:00' }).mismatches).toHaveLength(1);
  });

  it('offer_name compared exactly', () => {
    expect(echo({ offer_id: 1, offer_name: 'Promo' }, { offer_name: 'promo' }).mismatches).toEqual([
      'offer_name: sent "Promo", server has "promo"',
    ]);
  });

  it('not fields that were not sent, or not echoed (they cannot be checked)', () => {
    expect(echo({ offer_id: 1, payout: 2 }, { revenue: 99, offer_name: 'x' }).mismatches).toEqual([]);
    expect(echo({ offer_id: 1, payout: 2, revenue: 3 }, {}).mismatches).toEqual([]);
  });

  it('every differing field', () => {
    expect(echo({ offer_id: 1, payout: 2, revenue: 3 }, { payout: 2.5, revenue: 4 }).mismatches).toHaveLength(
      2,
    );
  });

  it('never quotes the key in a mismatch', () => {
    const { mismatches } = echo({ offer_id: 1, offer_name: 'Promo' }, { offer_name: KEY });
    expect(mismatches).toEqual(['offer_name: sent "Promo", server has "[REDACTED]"']);
  });
});
