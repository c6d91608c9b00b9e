import { OFFER_STATUSES } from '../types.js';

export interface Offer {
  offer_id: number;
  offer_name: string;
  offer_status: string;
  payout: number;
  revenue: number;
  expiration_date: string;
}

export type ApplyResult = { ok: true; offer: Offer } | { ok: false; message: string };

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/**
 * The simulator's offer store. Offers 1..maxOfferId exist (created on first touch, so a million ids cost
 * nothing until used); any other id is unknown, as on a real CAKE instance.
 */
export function createOfferStore(maxOfferId: number, payoutDecimals: number) {
  const offers = new Map<number, Offer>();
  const updates = new Map<number, number>();

  function get(id: number): Offer | undefined {
    if (!Number.isInteger(id) || id < 1 || id > maxOfferId) return undefined;
    let offer = offers.get(id);
    if (!offer) {
      offer = {
        offer_id: id,
        offer_name: `Offer ${id}`,
        offer_status: 'active',
        payout: 1,
        revenue: 2,
        expiration_date: '2030-12-31 23:59:59',
      };
      offers.set(id, offer);
    }
    return offer;
  }

  function apply(body: Record<string, unknown>): ApplyResult {
    const id = body.offer_id;
    if (typeof id !== 'number' || !Number.isInteger(id))
      return { ok: false, message: 'offer_id must be an integer' };
    const offer = get(id);
    if (!offer) return { ok: false, message: `Offer ID ${id} not found` };
    const next = { ...offer };
    if (body.offer_name !== undefined) {
      if (typeof body.offer_name !== 'string' || body.offer_name.trim() === '')
        return { ok: false, message: 'Invalid offer_name' };
      next.offer_name = body.offer_name;
    }
    if (body.offer_status !== undefined) {
      if (!(OFFER_STATUSES as readonly unknown[]).includes(body.offer_status))
        return { ok: false, message: 'Invalid offer_status' };
      next.offer_status = body.offer_status as string;
    }
    for (const key of ['payout', 'revenue'] as const) {
      const value = body[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || value < 0) return { ok: false, message: `Invalid ${key}` };
      next[key] = key === 'payout' ? round(value, payoutDecimals) : value;
    }
    if (body.expiration_date !== undefined) {
      if (typeof body.expiration_date !== 'string' || !DATE_TIME.test(body.expiration_date)) {
        return { ok: false, message: 'Invalid expiration_date' };
      }
      next.expiration_date = body.expiration_date;
    }
    offers.set(id, next);
    updates.set(id, (updates.get(id) ?? 0) + 1);
    return { ok: true, offer: next };
  }

  return {
    get,
    apply,
    /** Offers touched so far, by id. */
    offers,
    /** How many updates each offer received. */
    updates,
  };
}

export type OfferStore = ReturnType<typeof createOfferStore>;

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
