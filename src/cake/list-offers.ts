import type { Redactor } from '../redact.js';
import type { AttemptResult, CurrentOffer, HttpAnswer, HttpRequest } from '../types.js';
import { classifyAnswer, retryable } from './classify-answer.js';

/** One offer of a List Offers answer. */
export interface ListedOffer {
  offerId: number;
  current: CurrentOffer;
}

/** A List Offers page: its offers, and how many the whole (filtered) list holds. */
export interface OffersPage {
  offers: ListedOffer[];
  totalRows: number;
}

/** What to ask List Offers for: one offer by id, or a page of the whole catalog in offer id order. */
export type ListQuery = { offerId: number } | { startAtRow: number; rowLimit: number };

/**
 * The List Offers request. Its key travels in the query string (as CAKE documents it), so the path this
 * returns must never be logged or shown: only `describeQuery` may be.
 */
export function listOffersRequest(path: string, query: ListQuery, apiKey: string): HttpRequest {
  const params = new URLSearchParams({ api_key: apiKey });
  if ('offerId' in query) {
    params.set('offer_id', String(query.offerId));
    params.set('row_limit', '1');
  } else {
    params.set('start_at_row', String(query.startAtRow));
    params.set('row_limit', String(query.rowLimit));
    params.set('sort_field', 'offer_id');
    params.set('sort_descending', 'false');
  }
  return { method: 'GET', path: `${path}?${params.toString()}` };
}

/**
 * What a List Offers answer means: its page (as the success's payload), or the attempt's failure under the
 * same rules as an update's (a 200 is a success only with `request_status: Success`). An answer whose
 * offers are not what was documented is a bad response, retried: a number must be a JSON number.
 */
export function classifyListAnswer(answer: HttpAnswer, redact: Redactor): AttemptResult {
  const classified = classifyAnswer(answer, redact);
  if (classified.kind !== 'success') return classified;
  const page = readPage(classified.body, redact);
  if (typeof page === 'string') {
    return retryable('E_BAD_RESPONSE', `List Offers answered Success, but ${page}`, classified.httpStatus);
  }
  return { kind: 'success', httpStatus: classified.httpStatus, offer: {}, mismatches: [], payload: page };
}

/** The page in a Success body, or what is wrong with it. */
function readPage(body: Record<string, unknown>, redact: Redactor): OffersPage | string {
  const total = body.total_rows;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0)
    return 'its total_rows is not a count';
  if (!Array.isArray(body.offers)) return 'it has no offers list';
  const offers: ListedOffer[] = [];
  for (const item of body.offers) {
    const record = unwrap(item);
    const id = record?.offer_id;
    if (!record || typeof id !== 'number' || !Number.isInteger(id) || id < 1)
      return 'an offer in it has no offer_id number';
    offers.push({ offerId: id, current: readCurrent(record, redact) });
  }
  return { offers, totalRows: total };
}

/** CAKE lists each offer as `{ "offer": { ... } }`; a bare offer object is read too. */
function unwrap(item: unknown): Record<string, unknown> | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const inner = (item as Record<string, unknown>).offer;
  return typeof inner === 'object' && inner !== null
    ? (inner as Record<string, unknown>)
    : (item as Record<string, unknown>);
}

/** The fields cake-bulk can change, as reported; a field of the wrong type counts as not reported. */
function readCurrent(record: Record<string, unknown>, redact: Redactor): CurrentOffer {
  const current: CurrentOffer = {};
  if (typeof record.offer_name === 'string') current.offer_name = redact(record.offer_name);
  if (typeof record.offer_status === 'string') current.offer_status = redact(record.offer_status);
  if (typeof record.payout === 'number' && Number.isFinite(record.payout)) current.payout = record.payout;
  if (typeof record.revenue === 'number' && Number.isFinite(record.revenue)) current.revenue = record.revenue;
  if (typeof record.expiration_date === 'string') current.expiration_date = redact(record.expiration_date);
  return current;
}
