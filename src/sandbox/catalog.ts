import { seededRandom } from './faults.js';

/** One offer as CAKE's List Offers reports it. */
export interface Offer {
  offer_id: number;
  offer_name: string;
  /** `active`, `paused` or `inactive` in the seeded catalog; an update may also set `pending`. */
  offer_status: string;
  vertical_id: number;
  advertiser_id: number;
  offer_url: string;
  payout: number;
  /** `CPA` or `CPL`. */
  payout_type: string;
  revenue: number;
  session_hours: number;
  /** `YYYY-MM-DD HH:MM:SS`. Absent when the API does not report it, until an update sets it. */
  expiration_date?: string;
}

/**
 * Exact starting values for one offer, overriding the seeded ones field by field. `expiration_date: null`
 * means the API does not report it.
 */
export type CatalogEntry = Partial<Omit<Offer, 'expiration_date'>> & {
  offer_id: number;
  expiration_date?: string | null;
};

/** Statuses List Offers reports, and so the ones its `offer_status` filter takes (with `pending`, see Offer). */
export const LISTED_STATUSES = ['active', 'paused', 'inactive', 'pending'] as const;

export const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface Vertical {
  id: number;
  name: string;
  slug: string;
  /** The payout type most of its offers use. */
  type: 'CPA' | 'CPL';
  /** Revenue range per conversion, in the account's currency. */
  revenue: [number, number];
}

const VERTICALS: readonly Vertical[] = [
  { id: 1, name: 'Auto Insurance', slug: 'auto-insurance', type: 'CPL', revenue: [8, 45] },
  { id: 2, name: 'Home Insurance', slug: 'home-insurance', type: 'CPL', revenue: [10, 50] },
  { id: 3, name: 'Credit Cards', slug: 'credit-cards', type: 'CPA', revenue: [40, 250] },
  { id: 4, name: 'Auto Loans', slug: 'auto-loans', type: 'CPL', revenue: [15, 80] },
  { id: 5, name: 'Personal Loans', slug: 'personal-loans', type: 'CPL', revenue: [10, 90] },
  { id: 6, name: 'Mortgage', slug: 'mortgage', type: 'CPL', revenue: [20, 120] },
  { id: 7, name: 'Health Insurance', slug: 'health-insurance', type: 'CPL', revenue: [10, 60] },
  { id: 8, name: 'Life Insurance', slug: 'life-insurance', type: 'CPL', revenue: [12, 70] },
  { id: 9, name: 'Solar', slug: 'solar', type: 'CPL', revenue: [25, 150] },
  { id: 10, name: 'Debt Relief', slug: 'debt-relief', type: 'CPA', revenue: [30, 200] },
  { id: 11, name: 'Online Education', slug: 'education', type: 'CPL', revenue: [8, 40] },
  { id: 12, name: 'Home Security', slug: 'home-security', type: 'CPA', revenue: [20, 120] },
];

/** Repeated entries weight the draw: most traffic is US. */
const GEOS = ['US', 'US', 'US', 'US', 'UK', 'UK', 'CA', 'CA', 'AU', 'AU', 'DE', 'NZ', 'IE', 'FR'];
const COMMA_PARTS = ['Desktop', 'Mobile', 'Exclusive', 'Spanish'];
const QUOTED_PARTS = ['Exclusive', 'Top Rated', 'Free Quote', 'Best Rate'];
const SUFFIXES = ['(Desktop)', '(Mobile)', '(Q3 Promo)', '(Call Center)'];
const SESSION_HOURS = [24, 24, 24, 48, 72, 168, 720];
const ADVERTISERS = 2500;
const TAGS = 30;
const DAY_MS = 86_400_000;

/** Shares of the seeded catalog, as documented on `SandboxOptions.catalogSeed`. */
export const CATALOG_SHARES = {
  /** `expiration_date` absent. */
  unreportedExpiry: 0.2,
  /** `active` with an `expiration_date` in the past. */
  expired: 0.03,
  /** `payout` above `revenue`. */
  negativeMargin: 0.02,
} as const;

/**
 * The starting values of offer `id` in catalog `seed`: a pure function of both, so a catalog of any size
 * costs nothing until an offer is read, and the same seed always gives the same catalog.
 */
export function seededOffer(seed: number, id: number): Offer {
  const random = seededRandom(mix(seed, id));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const vertical = pick(VERTICALS);
  const geo = pick(GEOS);
  const nameDraw = random();
  const offerName =
    nameDraw < 0.08
      ? `${vertical.name}, ${pick(COMMA_PARTS)} - ${geo}`
      : nameDraw < 0.12
        ? `${vertical.name} "${pick(QUOTED_PARTS)}" - ${geo}`
        : nameDraw < 0.2
          ? `${vertical.name} - ${geo} ${pick(SUFFIXES)}`
          : `${vertical.name} - ${geo}`;
  const statusDraw = random();
  const advertiserId = 1 + Math.floor(random() * ADVERTISERS);
  const payoutType = random() < 0.9 ? vertical.type : vertical.type === 'CPA' ? 'CPL' : 'CPA';
  const [low, high] = vertical.revenue;
  const revenue = cents(low + random() * (high - low));
  // Revenue is at least 8, so these ranges stay apart from it after rounding to cents.
  const negative = random() < CATALOG_SHARES.negativeMargin;
  const payout = cents(revenue * (negative ? 1.05 + random() * 0.35 : 0.55 + random() * 0.35));
  const sessionHours = pick(SESSION_HOURS);
  const expiryDraw = random();
  const dayDraw = random();
  const endOfDay = random() < 0.7;
  const unreported = expiryDraw < CATALOG_SHARES.unreportedExpiry;
  const expired = !unreported && expiryDraw < CATALOG_SHARES.unreportedExpiry + CATALOG_SHARES.expired;
  const offer: Offer = {
    offer_id: id,
    offer_name: offerName,
    offer_status: expired
      ? 'active'
      : statusDraw < 0.85
        ? 'active'
        : statusDraw < 0.95
          ? 'paused'
          : 'inactive',
    vertical_id: vertical.id,
    advertiser_id: advertiserId,
    offer_url: `https://www.adv${advertiserId}.example/${vertical.slug}?geo=${geo.toLowerCase()}&sub_id={sub_id}`,
    payout,
    payout_type: payoutType,
    revenue,
    session_hours: sessionHours,
  };
  if (!unreported) {
    // Past dates end before 2024 and future ones start in 2029, so "expired" does not drift with the clock.
    const day = expired
      ? Date.UTC(2019, 0, 1) + Math.floor(dayDraw * 1825) * DAY_MS
      : Date.UTC(2029, 0, 1) + Math.floor(dayDraw * 2190) * DAY_MS;
    offer.expiration_date = `${new Date(day).toISOString().slice(0, 10)} ${endOfDay ? '23:59:59' : '00:00:00'}`;
  }
  return offer;
}

/** The tags of offer `id` in catalog `seed` (one or two of 1..30), for List Offers' `tag_id` filter. */
export function seededTagIds(seed: number, id: number): number[] {
  const random = seededRandom(mix(seed, id) ^ 0x5bd1e995);
  const first = 1 + Math.floor(random() * TAGS);
  if (random() >= 0.3) return [first];
  const second = 1 + Math.floor(random() * TAGS);
  return second === first ? [first] : [Math.min(first, second), Math.max(first, second)];
}

/** A well-spread 32-bit value from (seed, id): nearby ids and seeds give unrelated offers. */
function mix(seed: number, id: number): number {
  return fmix32(Math.imul(id >>> 0, 0x9e3779b1) ^ fmix32((seed + 0x632be5ab) >>> 0));
}

/** MurmurHash3's finalizer. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function cents(value: number): number {
  return Math.round(value * 100) / 100;
}
