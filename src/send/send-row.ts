import type { AttemptResult, RowOutcome } from '../types.js';
import type { RetryBudget } from './retry-budget.js';
import { retryDelay, type BackoffOptions } from './retry-delay.js';
import type { Throttle } from './throttle.js';

/** Why sending stopped, as the run words it: a row code and a phrase. The halt signal's `reason`. */
export interface StopNotice {
  code: string;
  reason: string;
}

/** Everything one row's send shares with the rest of the run. */
export interface SendRowContext {
  maxAttempts: number;
  backoff: BackoffOptions;
  throttle: Throttle;
  budget: RetryBudget;
  /** Fires when the run stops (interrupt, rejected key, open circuit); its `reason` is a StopNotice. Waits end early. */
  halt: AbortSignal;
  /** Writes the attempt and retry lines. */
  log: (fields: Record<string, unknown>) => void;
  /** Waits between attempts; resolves early when `signal` fires. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** How a sent row ended, with what the breaker and the run need to know. */
export interface SentRow {
  outcome: RowOutcome;
  /** What the last, successful attempt brought back (a read's page). */
  payload?: unknown;
  /** Ended on a retryable error: counts toward the circuit breaker. */
  exhausted: boolean;
  /** The run must stop: the key was rejected (auth) or the server's certificate was (tls). */
  fatal: 'auth' | 'tls' | undefined;
}

const BUDGET_EXHAUSTED = 'the run retry budget is used up';

/**
 * Sends one row: `attempt` puts it on the wire and classifies the answer; retryable outcomes are tried
 * again after a backoff, within the attempts allowed and the run's retry budget, until the run halts.
 */
export async function sendRow(
  subject: Record<string, string | number>,
  attempt: () => Promise<AttemptResult>,
  ctx: SendRowContext,
): Promise<SentRow> {
  const started = ctx.now();
  let attempts = 0;
  for (;;) {
    const slot = ctx.throttle.take();
    if (slot) await slot;
    // A row still waiting for its first slot when the run stops was never sent: it is skipped, not failed.
    if (ctx.halt.aborted && attempts === 0) {
      const notice = ctx.halt.reason as StopNotice;
      return ended(
        'skipped',
        notice.code,
        `not sent: ${notice.reason}`,
        undefined,
        0,
        Math.round(ctx.now() - started),
      );
    }
    attempts++;
    const t0 = ctx.now();
    const result = await attempt();
    ctx.throttle.record(
      result.kind === 'success'
        ? 'ok'
        : result.kind === 'retryable' && result.throttled
          ? 'throttled'
          : 'other',
    );
    ctx.log({
      event: 'attempt',
      ...subject,
      attempt: attempts,
      http_status: 'httpStatus' in result ? result.httpStatus : undefined,
      duration_ms: Math.round(ctx.now() - t0),
      outcome: result.kind,
      code: 'code' in result ? result.code : undefined,
    });
    if (result.kind !== 'retryable') return finish(result, attempts, Math.round(ctx.now() - started));
    let giveUp: string | undefined;
    if (attempts < ctx.maxAttempts) {
      giveUp = haltReason(ctx.halt);
      if (giveUp === undefined && !ctx.budget.take()) giveUp = BUDGET_EXHAUSTED;
      if (giveUp === undefined) {
        const delay = retryDelay(attempts, result.retryAfterMs, ctx.backoff, ctx.random);
        ctx.log({
          event: 'retry',
          ...subject,
          attempt: attempts,
          retry_in_ms: delay,
          code: result.code,
        });
        await ctx.sleep(delay, ctx.halt);
        giveUp = haltReason(ctx.halt);
        if (giveUp === undefined) continue;
      }
    }
    const why = giveUp
      ? `; not retried: ${giveUp}`
      : attempts > 1
        ? `; gave up after ${attempts} attempts`
        : '';
    const sent = ended(
      'failed',
      result.code,
      `${result.message}${why}`,
      result.httpStatus,
      attempts,
      Math.round(ctx.now() - started),
    );
    // Only a row that ran out of retries on its own says something about the server's health.
    return { ...sent, exhausted: giveUp === undefined || giveUp === BUDGET_EXHAUSTED };
  }
}

function haltReason(halt: AbortSignal): string | undefined {
  return halt.aborted ? (halt.reason as StopNotice).reason : undefined;
}

function finish(
  last: Exclude<AttemptResult, { kind: 'retryable' }>,
  attempts: number,
  durationMs: number,
): SentRow {
  switch (last.kind) {
    case 'success': {
      if (last.mismatches.length === 0) {
        return {
          ...ended('updated', '', '', last.httpStatus, attempts, durationMs, last.offer),
          payload: last.payload,
        };
      }
      const message = `the server answered Success but ${last.mismatches.join('; ')}`;
      return ended('failed', 'E_ECHO_MISMATCH', message, last.httpStatus, attempts, durationMs, last.offer);
    }
    case 'rejected':
      return ended('failed', last.code, last.message, last.httpStatus, attempts, durationMs);
    case 'fatal':
      return {
        ...ended('failed', last.code, last.message, last.httpStatus, attempts, durationMs),
        fatal: last.code === 'E_AUTH' ? 'auth' : 'tls',
      };
    case 'aborted':
      return ended('skipped', last.code, last.message, undefined, attempts, durationMs);
  }
}

function ended(
  status: RowOutcome['status'],
  errorCode: string,
  error: string,
  httpStatus: number | undefined,
  attempts: number,
  durationMs: number,
  offer?: RowOutcome['offer'],
): SentRow {
  return {
    outcome: { status, errorCode, error, httpStatus, attempts, durationMs, offer },
    exhausted: false,
    fatal: undefined,
  };
}
