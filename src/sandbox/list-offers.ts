import { LISTED_STATUSES, type Offer } from './catalog.js';
import type { OfferStore } from './offers.js';

/** Fields List Offers can sort by: every field it reports. */
export const SORT_FIELDS = [
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
  'expiration_date',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];

/** A List Offers request's query, read and checked. Absent filters are undefined. */
export interface ListQuery {
  offerId: number | undefined;
  status: string | undefined;
  verticalId: number | undefined;
  advertiserId: number | undefined;
  tagId: number | undefined;
  startAtRow: number;
  rowLimit: number;
  sortField: SortField;
  descending: boolean;
}

export type ParsedQuery = { ok: true; query: ListQuery } | { ok: false; message: string };

export interface ListPage {
  offers: Offer[];
  /** How many offers the whole filtered list holds, not only this page. */
  totalRows: number;
}

class QueryError extends Error {}

/**
 * Reads List Offers' query parameters. An empty value counts as absent, as CAKE clients often send every
 * parameter; a value that cannot be read is a Failure answer, never a guess. Unknown parameters are ignored.
 */
export function parseListQuery(params: URLSearchParams): ParsedQuery {
  try {
    const sortField = text(params, 'sort_field') ?? 'offer_id';
    if (!(SORT_FIELDS as readonly string[]).includes(sortField)) {
      throw new QueryError(
        `Invalid sort_field: expected one of ${SORT_FIELDS.join(', ')}, got "${sortField}"`,
      );
    }
    const status = text(params, 'offer_status')?.toLowerCase();
    if (status !== undefined && !(LISTED_STATUSES as readonly string[]).includes(status)) {
      throw new QueryError(
        `Invalid offer_status: expected one of ${LISTED_STATUSES.join(', ')}, got "${status}"`,
      );
    }
    const descending = text(params, 'sort_descending')?.toLowerCase() ?? 'false';
    if (!['true', 'false', '1', '0'].includes(descending)) {
      throw new QueryError(`Invalid sort_descending: expected true or false, got "${descending}"`);
    }
    return {
      ok: true,
      query: {
        offerId: whole(params, 'offer_id'),
        status,
        verticalId: whole(params, 'vertical_id'),
        advertiserId: whole(params, 'advertiser_id'),
        tagId: whole(params, 'tag_id'),
        startAtRow: whole(params, 'start_at_row') ?? 0,
        rowLimit: whole(params, 'row_limit') ?? 25,
        sortField: sortField as SortField,
        descending: descending === 'true' || descending === '1',
      },
    };
  } catch (error) {
    if (error instanceof QueryError) return { ok: false, message: error.message };
    throw error;
  }
}

/**
 * One page of List Offers, at most `maxRowLimit` rows whatever `rowLimit` asks. Without filters and sorted
 * by offer_id, row k is offer k+1 (or the k-th from the end), so a page costs its own size in a catalog of
 * any size. Any other filter scans every offer, O(N), and any other sort also holds the matches in memory:
 * meant for test-sized catalogs. An `offer_id` filter is one lookup, whatever else is asked.
 */
export function listOffers(
  store: Pick<OfferStore, 'count' | 'get' | 'tagIds'>,
  query: ListQuery,
  maxRowLimit: number,
): ListPage {
  const start = query.startAtRow;
  const end = start + Math.min(query.rowLimit, maxRowLimit);
  const matches = (offer: Offer): boolean =>
    (query.status === undefined || offer.offer_status === query.status) &&
    (query.verticalId === undefined || offer.vertical_id === query.verticalId) &&
    (query.advertiserId === undefined || offer.advertiser_id === query.advertiserId) &&
    (query.tagId === undefined || store.tagIds(offer.offer_id).includes(query.tagId));

  if (query.offerId !== undefined) {
    const offer = store.get(query.offerId);
    const all = offer && matches(offer) ? [offer] : [];
    return { offers: all.slice(start, end), totalRows: all.length };
  }
  const count = store.count;
  const idAt = (row: number) => (query.descending ? count - row : row + 1);
  const filtered = [query.status, query.verticalId, query.advertiserId, query.tagId].some(
    (f) => f !== undefined,
  );

  if (query.sortField === 'offer_id' && !filtered) {
    const offers: Offer[] = [];
    for (let row = start; row < Math.min(end, count); row++) offers.push(store.get(idAt(row))!);
    return { offers, totalRows: count };
  }
  if (query.sortField === 'offer_id') {
    const offers: Offer[] = [];
    let totalRows = 0;
    for (let row = 0; row < count; row++) {
      const offer = store.get(idAt(row))!;
      if (!matches(offer)) continue;
      if (totalRows >= start && totalRows < end) offers.push(offer);
      totalRows++;
    }
    return { offers, totalRows };
  }
  const all: Offer[] = [];
  for (let id = 1; id <= count; id++) {
    const offer = store.get(id)!;
    if (matches(offer)) all.push(offer);
  }
  const compare = compareBy(query.sortField);
  all.sort(query.descending ? (a, b) => compare(b, a) : compare);
  return { offers: all.slice(start, end), totalRows: all.length };
}

/** Orders by one field, then by offer_id so pages never overlap; an unreported value sorts first. */
function compareBy(field: SortField): (a: Offer, b: Offer) => number {
  return (a, b) => {
    const x = a[field];
    const y = b[field];
    if (x === y) return a.offer_id - b.offer_id;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  };
}

function text(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name)?.trim();
  return value === '' ? undefined : value;
}

function whole(params: URLSearchParams, name: string): number | undefined {
  const value = text(params, name);
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number)) {
    throw new QueryError(`Invalid ${name}: expected a whole number from 0 up, got "${value}"`);
  }
  return number;
}
