import { normalizeDateTime } from '../date-time.js';
import type { CurrentOffer, UpdateRequest } from '../types.js';

/** The checks a change must pass before it is sent; each is on unless turned off. */
export interface Guards {
  /** Largest change of payout or revenue, in percent of the current value, either way; undefined: off. */
  maxChangePct: number | undefined;
  /** Let an offer pay out more than it earns. */
  allowNegativeMargin: boolean;
  /** Let a row make an offer active whose expiration date is in the past. */
  allowExpired: boolean;
  /** Now, as CAKE's `YYYY-MM-DD HH:MM:SS` wall clock: an expiration before it is in the past. */
  now: string;
}

export type GuardVerdict =
  { blocked: true; code: string; message: string } | { blocked: false; atLoss: boolean };

/**
 * The guardrails, first refusal first (its code is the row's; the message lists every refusal):
 * - E_GUARD_CHANGE: payout or revenue moves by more than `maxChangePct` of its current value, or from or
 *   to 0 (a typo that drops a decimal place looks exactly like a good row otherwise);
 * - E_GUARD_MARGIN: the row sets payout or revenue and the offer would then pay out more than it earns;
 * - E_GUARD_EXPIRED: the row makes the offer active while its expiration date is in the past.
 * A value the API does not report cannot be checked and does not block. `atLoss`: not blocked, but the
 * offer already pays out more than it earns and the row does not change that (a rename, say).
 */
export function checkGuards(request: UpdateRequest, current: CurrentOffer, guards: Guards): GuardVerdict {
  const refusals: Array<{ code: string; message: string }> = [];
  if (guards.maxChangePct !== undefined) {
    for (const field of ['payout', 'revenue'] as const) {
      const after = request[field];
      const was = current[field];
      if (after === undefined || was === undefined || after === was) continue;
      if (was === 0 || after === 0) {
        refusals.push({
          code: 'E_GUARD_CHANGE',
          message: `${field} ${was} -> ${after} changes ${was === 0 ? 'from' : 'to'} 0; check the value, or pass --max-change off`,
        });
        continue;
      }
      const change = (Math.abs(after - was) / was) * 100;
      if (change > guards.maxChangePct) {
        refusals.push({
          code: 'E_GUARD_CHANGE',
          message: `${field} ${was} -> ${after} changes by ${change.toFixed(1)}%, more than --max-change ${guards.maxChangePct}%; check the value, or raise --max-change`,
        });
      }
    }
  }
  const payout = request.payout ?? current.payout;
  const revenue = request.revenue ?? current.revenue;
  const loss = payout !== undefined && revenue !== undefined && payout > revenue;
  const setsMoney = request.payout !== undefined || request.revenue !== undefined;
  if (loss && setsMoney && !guards.allowNegativeMargin) {
    refusals.push({
      code: 'E_GUARD_MARGIN',
      message: `the offer would pay out ${payout} but earn ${revenue} (a negative margin); check the values, or pass --allow-negative-margin`,
    });
  }
  const expires = request.expiration_date ?? current.expiration_date;
  const expired = expires !== undefined && normalizeDateTime(expires) < guards.now;
  if (request.offer_status === 'active' && expired && !guards.allowExpired) {
    refusals.push({
      code: 'E_GUARD_EXPIRED',
      message: `the row makes the offer active, but it expired on ${expires}; set a later expiration_date in the same row, or pass --allow-expired`,
    });
  }
  if (refusals.length > 0) {
    return { blocked: true, code: refusals[0]!.code, message: refusals.map((r) => r.message).join('; ') };
  }
  return { blocked: false, atLoss: loss && !setsMoney };
}
