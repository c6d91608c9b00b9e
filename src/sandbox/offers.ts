import { OFFER_STATUSES } from '../types.js';
import { DATE_TIME, seededOffer, seededTagIds, type CatalogEntry, type Offer } from './catalog.js';

/** What update_offer echoes: the fields it can change, and `expiration_date` only when it is reported. */
export type EchoedOffer = Pick<
  Offer,
  'offer_id' | 'offer_name' | 'offer_status' | 'payout' | 'revenue' | 'expiration_date'
>;

export type { Offer } from './catalog.js';

export type ApplyResult = { ok: true; offer: Offer } | { ok: false; message: string };

export interface OfferStoreOptions {
  /** Offers 1..offers exist. */
  offers: number;
  /** Picks the seeded catalog. */
  catalogSeed: number;
  /** Exact starting values for some ids, checked by the caller (see `resolveSandboxOptions`). */
  catalog: readonly CatalogEntry[];
  /** Payouts are stored rounded to this many decimals. */
  payoutDecimals: number;
}

/**
 * The simulator's offers. Offers 1..offers exist; any other id is unknown, as on a real CAKE instance. An
 * offer's starting values come from the seeded catalog, overridden by `catalog` entries, and only offers an
 * update changed take memory, so ten million ids cost nothing until used.
 */
export function createOfferStore(options: OfferStoreOptions) {
  const { offers: count, catalogSeed, payoutDecimals } = options;
  const offers = new Map<number, Offer>();
  const updates = new Map<number, number>();
  const preloaded = new Map(options.catalog.map((entry) => [entry.offer_id, entry]));

  const exists = (id: number) => Number.isInteger(id) && id >= 1 && id <= count;

  function initial(id: number): Offer | undefined {
    if (!exists(id)) return undefined;
    const offer = seededOffer(catalogSeed, id);
    const entry = preloaded.get(id);
    if (!entry) return offer;
    const { expiration_date: expiry, ...fields } = entry;
    const merged: Offer = { ...offer, ...definedOnly(fields) };
    if (expiry === null) delete merged.expiration_date;
    else if (expiry !== undefined) merged.expiration_date = expiry;
    return merged;
  }

  function get(id: number): Offer | undefined {
    return offers.get(id) ?? initial(id);
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
    /** Offers 1..count exist. */
    count,
    /** The offer as List Offers reports it now, or undefined for an id that does not exist. */
    get,
    /** The offer as it was before any update: seeded, then overridden by `catalog`. */
    initial,
    /** The tags List Offers' `tag_id` filter matches; fixed by the catalog seed. */
    tagIds: (id: number): number[] => (exists(id) ? seededTagIds(catalogSeed, id) : []),
    apply,
    /** Offers changed by an update, by id, as they are now; an offer never updated is not here. */
    offers,
    /** How many updates each offer received. */
    updates,
  };
}

export type OfferStore = ReturnType<typeof createOfferStore>;

/** The update echo: the fields update_offer can change, and nothing CAKE would not send back. */
export function echoOf(offer: Offer): EchoedOffer {
  const { offer_id, offer_name, offer_status, payout, revenue, expiration_date } = offer;
  const echo: EchoedOffer = { offer_id, offer_name, offer_status, payout, revenue };
  if (expiration_date !== undefined) echo.expiration_date = expiration_date;
  return echo;
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
