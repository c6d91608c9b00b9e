import { describe, expect, it } from 'vitest';
import type { Guards } from '../../src/plan/guardrails.js';
import { planRow } from '../../src/plan/plan-row.js';
import type { CurrentOffer, UpdateRequest } from '../../src/types.js';

const GUARDS: Guards = {
  maxChangePct: 50,
  allowNegativeMargin: false,
  allowExpired: false,
  now: '2026-12-01 12:00:00',
};
const OFFER: CurrentOffer = {
  offer_name: 'Home Insurance - AU',
  offer_status: 'active',
  payout: 40,
  revenue: 55,
  expiration_date: '2030-12-31 23:59:59',
};
const plan = (
  request: Omit<UpdateRequest, 'offer_id'>,
  current: CurrentOffer | undefined = OFFER,
  guards = GUARDS,
) => planRow({ offer_id: 7, ...request }, current, guards);

describe('planning a row against the offer as it is', () => {
  it('is unchanged when every field it sets already has that value (status compared as text, any case)', () => {
    expect(plan({ payout: 40, offer_status: 'active' })).toMatchObject({ status: 'unchanged' });
    expect(plan({ offer_status: 'active' }, { ...OFFER, offer_status: 'Active' })).toMatchObject({
      status: 'unchanged',
    });
    expect(
      plan(
        { expiration_date: '2030-12-31 23:59:59' },
        { ...OFFER, expiration_date: '2030-12-31T23:59:59.000Z' },
      ),
    ).toMatchObject({
      status: 'unchanged',
    });
  });

  it('is a change with before -> after and the change percent of payout and revenue', () => {
    const planned = plan({ payout: 44, revenue: 55, offer_name: 'Home Insurance - NZ' });
    expect(planned).toMatchObject({ status: 'change' });
    if (planned.status !== 'change') return;
    expect(planned.changes).toEqual([
      {
        field: 'offer_name',
        before: 'Home Insurance - AU',
        after: 'Home Insurance - NZ',
        changePct: undefined,
      },
      { field: 'payout', before: '40', after: '44', changePct: 10 },
    ]);
    expect(planned.before).toEqual({
      fields: { offer_name: 'Home Insurance - AU', payout: '40', revenue: '55' },
      payoutChangePct: '10.0',
      revenueChangePct: '',
    });
  });

  it('reads a field the API does not report as unknown: never unchanged, no change percent', () => {
    const planned = plan(
      { expiration_date: '2031-01-01 00:00:00' },
      { ...OFFER, expiration_date: undefined },
    );
    expect(planned).toMatchObject({ status: 'change' });
    if (planned.status === 'change') expect(planned.changes[0]).toMatchObject({ before: 'unknown' });
  });

  it('is not_found when List Offers does not return the offer', () => {
    expect(planRow({ offer_id: 7, payout: 1 }, undefined, GUARDS)).toEqual({ status: 'not_found' });
  });
});

describe('the guardrails', () => {
  it.each([
    [
      'a payout cut from 45 to 4.50 (a lost decimal place)',
      { payout: 4.5 },
      { ...OFFER, payout: 45, revenue: 55 },
    ],
    ['a payout doubled', { payout: 80 }, { ...OFFER, revenue: 100 }],
    ['a revenue raised by 60%', { revenue: 88 }, OFFER],
    ['a payout set to 0', { payout: 0 }, OFFER],
    ['a payout from 0', { payout: 5 }, { ...OFFER, payout: 0 }],
  ])('block %s: E_GUARD_CHANGE, both values in the message', (_name, request, current) => {
    const planned = plan(request, current);
    expect(planned).toMatchObject({ status: 'blocked', code: 'E_GUARD_CHANGE' });
    if (planned.status === 'blocked') expect(planned.message).toMatch(/-> /);
  });

  it('let a change through at exactly --max-change, and any change with --max-change off', () => {
    expect(plan({ payout: 60 }, { ...OFFER, revenue: 100 })).toMatchObject({ status: 'change' });
    expect(plan({ payout: 4 }, OFFER, { ...GUARDS, maxChangePct: undefined })).toMatchObject({
      status: 'change',
    });
  });

  it('block a payout above the revenue it would earn (E_GUARD_MARGIN), unless allowed', () => {
    expect(plan({ payout: 56 })).toMatchObject({ status: 'blocked', code: 'E_GUARD_MARGIN' });
    expect(plan({ revenue: 39 })).toMatchObject({ status: 'blocked', code: 'E_GUARD_MARGIN' });
    expect(plan({ payout: 56 }, OFFER, { ...GUARDS, allowNegativeMargin: true })).toMatchObject({
      status: 'change',
    });
  });

  it('do not block a rename of an offer already at a loss, but note the loss', () => {
    const planned = plan({ offer_name: 'Renamed' }, { ...OFFER, payout: 60, revenue: 50 });
    expect(planned).toMatchObject({ status: 'change', atLoss: true });
  });

  it('block making an offer active while its expiration date is in the past (E_GUARD_EXPIRED)', () => {
    const expired = { ...OFFER, offer_status: 'inactive', expiration_date: '2024-01-31 23:59:59' };
    expect(plan({ offer_status: 'active' }, expired)).toMatchObject({
      status: 'blocked',
      code: 'E_GUARD_EXPIRED',
    });
    expect(plan({ offer_status: 'active', expiration_date: '2027-06-30 23:59:59' }, expired)).toMatchObject({
      status: 'change',
    });
    expect(plan({ offer_status: 'inactive' }, { ...expired, offer_status: 'active' })).toMatchObject({
      status: 'change',
    });
  });

  it('cannot check what the API does not report, and do not block on it', () => {
    expect(plan({ payout: 500 }, { offer_status: 'active' })).toMatchObject({ status: 'change' });
    expect(
      plan({ offer_status: 'active' }, { ...OFFER, offer_status: 'paused', expiration_date: undefined }),
    ).toMatchObject({
      status: 'change',
    });
  });

  it('give the code of the first refusal and list every refusal in the message', () => {
    const planned = plan({ payout: 300 });
    expect(planned).toMatchObject({ status: 'blocked', code: 'E_GUARD_CHANGE' });
    if (planned.status === 'blocked') expect(planned.message).toMatch(/--max-change.*negative margin/);
  });
});
