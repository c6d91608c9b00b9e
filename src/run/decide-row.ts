import { planRow, type FieldChange } from '../plan/plan-row.js';
import type { Guards } from '../plan/guardrails.js';
import type { CurrentEntry } from '../record/current-values.js';
import { requestId } from '../record/journal.js';
import type {
  BeforeValues,
  CurrentOffer,
  RowOutcome,
  RowStatus,
  SourceRow,
  UpdateRequest,
} from '../types.js';
import { validateRow } from '../validate/validate-row.js';
import type { Resumed } from './resume.js';
import type { Scan } from './scan-pass.js';

/** What becomes of one row, decided the same way by the plan pass and the send pass. */
export type Decision =
  /** Done before (a rerun's updated row, a resumed run's journal): recorded as it was, not sent. */
  | { kind: 'carried'; outcome: RowOutcome }
  /** Ends here without being sent: invalid, unchanged, blocked, not found, or its values not readable. */
  | { kind: 'ended'; outcome: RowOutcome; request?: UpdateRequest; changes?: FieldChange[] }
  /** To be sent (or, in a dry run, shown). */
  | {
      kind: 'send';
      request: UpdateRequest;
      before: BeforeValues | undefined;
      changes: FieldChange[];
      atLoss: boolean;
    };

export interface DecideContext {
  scan: Scan;
  resumed: Resumed | undefined;
  /** The current values of row `seq`, read in file order; undefined when the run does not read them. */
  current: ((seq: number) => CurrentEntry | undefined) | undefined;
  guards: Guards;
}

/**
 * Decides one row: carried over, invalid (its cells, or a duplicate offer id), planned against the
 * offer's current values (unchanged, blocked, not found), or to be sent. The journal's word that a row
 * was updated is taken only for the same row asking for the same change.
 */
export function decideRow(row: SourceRow, ctx: DecideContext): Decision {
  const prior = row.prior;
  if (prior && (prior.status === 'updated' || prior.status === 'unchanged')) {
    return { kind: 'carried', outcome: prior.record };
  }
  const validation = validateRow(row.cells, ctx.scan.columns, row.cellErrors);
  const fromJournal = ctx.resumed?.updated.get(row.seq);
  if (
    fromJournal &&
    validation.ok &&
    fromJournal.row === row.row &&
    fromJournal.request === requestId(JSON.stringify(validation.request))
  ) {
    return { kind: 'carried', outcome: fromJournal.outcome };
  }
  if (!validation.ok)
    return { kind: 'ended', outcome: ended('invalid', validation.code, validation.message) };
  const request = validation.request;
  const others = ctx.scan.duplicates.get(row.seq)?.others;
  if (others) {
    const where = others.length === 1 ? `row ${others[0]}` : `rows ${others.join(', ')}`;
    const message = `offer_id ${request.offer_id} is also on ${where}; keep one row per offer`;
    return { kind: 'ended', outcome: ended('invalid', 'E_DUPLICATE_OFFER_ID', message) };
  }
  // A rerun keeps the before-values of the first attempt: reading again after an update that may have
  // landed would record the new value as the old one.
  const entry = prior?.record.before ? fromBefore(prior.record.before) : ctx.current?.(row.seq);
  if (ctx.current === undefined && !prior?.record.before) {
    return { kind: 'send', request, before: undefined, changes: [], atLoss: false };
  }
  if (entry === undefined || (typeof entry === 'object' && 'failed' in entry)) {
    const why = entry === undefined ? 'the run stopped before it was read' : entry.failed;
    return {
      kind: 'ended',
      outcome: ended(
        'failed',
        'E_NOT_READ',
        `not sent: the offer's current values could not be read (${why})`,
      ),
    };
  }
  const plan = planRow(request, entry === 'not_found' ? undefined : entry, ctx.guards);
  switch (plan.status) {
    case 'not_found':
      return {
        kind: 'ended',
        outcome: ended(
          'not_found',
          'E_NOT_FOUND',
          `offer ${request.offer_id} does not exist (List Offers does not return it); not sent`,
        ),
      };
    case 'unchanged':
      return { kind: 'ended', outcome: { ...ended('unchanged'), before: plan.before } };
    case 'blocked':
      return {
        kind: 'ended',
        outcome: { ...ended('blocked', plan.code, plan.message), before: plan.before },
      };
    case 'change':
      return { kind: 'send', request, before: plan.before, changes: plan.changes, atLoss: plan.atLoss };
  }
}

/** The outcome of a row that was not sent (or not sent this time). */
export function ended(status: RowStatus, errorCode = '', error = ''): RowOutcome {
  return { status, errorCode, error, httpStatus: undefined, attempts: 0, durationMs: 0, offer: undefined };
}

/** A results file's before-values as current values: `unknown` is not reported, money is a number. */
function fromBefore(before: BeforeValues): CurrentOffer {
  const current: CurrentOffer = {};
  for (const [field, text] of Object.entries(before.fields)) {
    if (text === undefined || text === 'unknown') continue;
    if (field === 'payout' || field === 'revenue') {
      const value = Number(text);
      if (Number.isFinite(value)) current[field] = value;
    } else current[field as 'offer_name' | 'offer_status' | 'expiration_date'] = text;
  }
  return current;
}
