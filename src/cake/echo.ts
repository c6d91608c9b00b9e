import type { ResultOffer, UpdateRequest } from '../types.js';
import { UPDATE_FIELDS } from '../types.js';

/**
 * Reads the offer a successful update echoes back into result columns. CAKE answers numbers as JSON
 * numbers and dates in several shapes, so everything is kept as the server's text.
 */
export function readEchoedOffer(offer: unknown): ResultOffer {
  const result: ResultOffer = {};
  if (typeof offer !== 'object' || offer === null) return result;
  const record = offer as Record<string, unknown>;
  for (const field of UPDATE_FIELDS) {
    const value = record[field];
    if (value === undefined || value === null) continue;
    result[field] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return result;
}

/**
 * Fields the server says differ from what was sent, as readable "field: sent X, server has Y" phrases.
 * A field the server does not echo cannot be checked and is not reported.
 */
export function findMismatches(request: UpdateRequest, echoed: ResultOffer): string[] {
  const problems: string[] = [];
  for (const field of UPDATE_FIELDS) {
    const sent = request[field];
    const got = echoed[field];
    if (sent === undefined || got === undefined) continue;
    if (!sameValue(field, sent, got)) {
      problems.push(`${field}: sent ${JSON.stringify(sent)}, server has ${JSON.stringify(got)}`);
    }
  }
  return problems;
}

function sameValue(field: string, sent: string | number, got: string): boolean {
  // The server usually echoes exactly what it was sent; only a different spelling needs a closer look.
  if (got === String(sent)) return true;
  switch (field) {
    case 'payout':
    case 'revenue':
      return Math.abs(Number(got) - Number(sent)) < 1e-9;
    case 'offer_status':
      return got.toLowerCase() === String(sent).toLowerCase();
    case 'expiration_date':
      return normalizeDate(got) === normalizeDate(String(sent));
    default:
      return got === sent;
  }
}

/** `2026-01-31T10:00:00.000Z` and `2026-01-31 10:00:00` are the same wall-clock value for CAKE. */
function normalizeDate(value: string): string {
  return value
    .replace('T', ' ')
    .replace(/(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/, '')
    .trim();
}
