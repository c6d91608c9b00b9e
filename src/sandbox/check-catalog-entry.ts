import { DATE_TIME, LISTED_STATUSES, type CatalogEntry } from './catalog.js';

export interface EntryProblem {
  field: keyof CatalogEntry;
  /** What the field must hold, worded to follow "expected". */
  expected: string;
}

const positiveWhole = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 1;
const amount = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
const nonEmpty = (value: unknown) => typeof value === 'string' && value.trim() !== '';

const RULES: Array<[keyof CatalogEntry, string, (value: unknown) => boolean]> = [
  ['offer_id', 'a whole number from 1 up', positiveWhole],
  ['offer_name', 'a non-empty string', nonEmpty],
  ['offer_status', `one of ${LISTED_STATUSES.join(', ')}`, (v) => LISTED_STATUSES.includes(v as never)],
  ['vertical_id', 'a whole number from 1 up', positiveWhole],
  ['advertiser_id', 'a whole number from 1 up', positiveWhole],
  ['offer_url', 'a non-empty string', nonEmpty],
  ['payout', 'a number from 0 up', amount],
  ['payout_type', 'CPA or CPL', (v) => v === 'CPA' || v === 'CPL'],
  ['revenue', 'a number from 0 up', amount],
  ['session_hours', 'a whole number from 1 up', positiveWhole],
  [
    'expiration_date',
    'YYYY-MM-DD HH:MM:SS',
    (v) => v === null || (typeof v === 'string' && DATE_TIME.test(v)),
  ],
];

/**
 * The first field of a preloaded catalog entry that holds something CAKE could not report, or undefined.
 * A field left undefined keeps the seeded value and is always fine, except `offer_id`.
 */
export function checkCatalogEntry(entry: CatalogEntry): EntryProblem | undefined {
  for (const [field, expected, valid] of RULES) {
    const value = entry[field];
    if ((value !== undefined || field === 'offer_id') && !valid(value)) return { field, expected };
  }
  return undefined;
}
