import type { BeforeValues, CurrentOffer, UpdateField, UpdateRequest } from '../types.js';
import { UPDATE_FIELDS } from '../types.js';
import { normalizeDateTime } from '../date-time.js';
import { checkGuards, type Guards } from './guardrails.js';

/** What a row would do against the offer as it is now. */
export type RowPlan =
  | { status: 'change'; before: BeforeValues; changes: FieldChange[]; atLoss: boolean }
  | { status: 'unchanged'; before: BeforeValues }
  | { status: 'blocked'; before: BeforeValues; code: string; message: string }
  | { status: 'not_found' };

/** One field a row changes: its value before (`unknown` when not reported) and after. */
export interface FieldChange {
  field: UpdateField;
  before: string;
  after: string;
  /** Payout and revenue from a known, non-zero value: the change in percent, rounded to 0.1. */
  changePct: number | undefined;
}

/** The literal the plan and results files hold for a value the API does not report. */
export const UNKNOWN = 'unknown';

/**
 * Compares a validated row with its offer's current values: `unchanged` when every field it sets already
 * has that value (a field the API does not report cannot be known unchanged, so it counts as a change),
 * `blocked` when a guardrail refuses it, `not_found` when the offer does not exist, else `change`.
 */
export function planRow(request: UpdateRequest, current: CurrentOffer | undefined, guards: Guards): RowPlan {
  if (!current) return { status: 'not_found' };
  const changes: FieldChange[] = [];
  const before: BeforeValues = { fields: {}, payoutChangePct: '', revenueChangePct: '' };
  for (const field of UPDATE_FIELDS) {
    const after = request[field];
    if (after === undefined) continue;
    const was = current[field];
    before.fields[field] = was === undefined ? UNKNOWN : String(was);
    if (was !== undefined && same(field, after, was)) continue;
    const changePct =
      typeof after === 'number' && typeof was === 'number' && was !== 0 ? pct(was, after) : undefined;
    if (field === 'payout' && changePct !== undefined) before.payoutChangePct = changePct.toFixed(1);
    if (field === 'revenue' && changePct !== undefined) before.revenueChangePct = changePct.toFixed(1);
    changes.push({ field, before: before.fields[field]!, after: String(after), changePct });
  }
  if (changes.length === 0) return { status: 'unchanged', before };
  const verdict = checkGuards(request, current, guards);
  if (verdict.blocked) return { status: 'blocked', before, code: verdict.code, message: verdict.message };
  return { status: 'change', before, changes, atLoss: verdict.atLoss };
}

function same(field: UpdateField, after: string | number, was: string | number): boolean {
  if (typeof after === 'number') return typeof was === 'number' && Math.abs(after - was) < 1e-9;
  if (typeof was !== 'string') return false;
  // List Offers names statuses its own way (`paused`), so statuses compare as text, case aside.
  if (field === 'offer_status') return after.toLowerCase() === was.toLowerCase();
  if (field === 'expiration_date') return normalizeDateTime(after) === normalizeDateTime(was);
  return after === was;
}

function pct(was: number, after: number): number {
  return Math.round(((after - was) / was) * 1000) / 10;
}
