import type { KnownColumn } from './columns.js';

/**
 * Headers people really write for cake-bulk's columns, after normalizing (lower case, spaces and hyphens
 * as `_`). An alias is read as its field only when the field's own column is not also in the header.
 */
export const ALIASES: Readonly<Record<string, KnownColumn>> = {
  id: 'offer_id',
  offerid: 'offer_id',
  offer_no: 'offer_id',
  offer_number: 'offer_id',
  'offer_#': 'offer_id',
  name: 'offer_name',
  offername: 'offer_name',
  title: 'offer_name',
  offer_title: 'offer_name',
  status: 'offer_status',
  offerstatus: 'offer_status',
  payouts: 'payout',
  payout_amount: 'payout',
  affiliate_payout: 'payout',
  revenues: 'revenue',
  revenue_amount: 'revenue',
  expiry: 'expiration_date',
  expires: 'expiration_date',
  expiration: 'expiration_date',
  expiry_date: 'expiration_date',
  expires_at: 'expiration_date',
  expiration_time: 'expiration_date',
  end_date: 'expiration_date',
};

/** Headers that could mean two fields: never guessed. */
export const AMBIGUOUS: Readonly<Record<string, readonly KnownColumn[]>> = {
  offer: ['offer_id', 'offer_name'],
  offer_id_name: ['offer_id', 'offer_name'],
};

/** Words that, inside a header, say it is about a field (`New Payout`, `payout_new`, `Status Reason`). */
export const FIELD_WORDS: Readonly<Record<string, KnownColumn>> = {
  payout: 'payout',
  payouts: 'payout',
  revenue: 'revenue',
  revenues: 'revenue',
  status: 'offer_status',
  expiry: 'expiration_date',
  expires: 'expiration_date',
  expiration: 'expiration_date',
};

/** Currency marks a money header may carry: `Payout ($)`, `Payout USD`, `Revenue (EUR)`. */
const CURRENCY =
  /^(.*?)_*\(?_*([$€£¥]|usd|eur|gbp|cad|aud|nzd|jpy|chf|sek|nok|dkk|pln|inr|brl|mxn|zar)_*\)?$/;

/** A money header with its currency mark taken off: `payout_($)` is `payout`, in `$`. */
export function withoutCurrency(normalized: string): { base: string; currency: string } | undefined {
  const match = CURRENCY.exec(normalized);
  if (!match || match[1] === '') return undefined;
  return { base: match[1]!, currency: match[2]!.toUpperCase() };
}
