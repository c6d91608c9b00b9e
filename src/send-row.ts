import pRetry from 'p-retry';
import type { Dispatcher } from 'undici';
import type { LogLine } from './logger.js';
import { findMismatches } from './compare-offer.js';
import { retryDelay, type BackoffOptions } from './retry-policy.js';
import { sendUpdate, type AttemptResult, type InFlight } from './send-update.js';
import type { Throttle } from './throttle.js';
import type { RowOutcome, UpdateRequest } from './types.js';

/** Everything one row's send shares with the rest of the run. */
export interface SendRowContext {
  /** The update_offer endpoint, split as undici's dispatcher takes it. */
  origin: string;
  path: string;
  apiKey: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  throttle: Throttle;
  /** Writes the attempt and retry lines. */
  log: LogLine;
  /** Waits between attempts; resolves early when `signal` fires. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Fires when the run stops (first Ctrl-C, second Ctrl-C): waits end early. */
  haltSignal: AbortSignal;
  random: () => number;
  now: () => number;
  /** Requests in flight, aborted together on the second Ctrl-C. */
  inFlight: InFlight;
  /** Takes one retry from the run's budget; false when none is left. */
  takeRetry: () => boolean;
  /** Why the run is stopping (interrupt, open circuit, rejected key): a row code and a phrase; undefined while it goes on. */
  stopReason: () => { code: string; reason: string } | undefined;
}

/** How a sent row ended, with what the breaker and the run need to know. */
export interface SentRow {
  outcome: RowOutcome;
  /** Ended on a retryable error: counts toward the circuit breaker. */
  exhausted: boolean;
  /** The key was rejected: the run must stop. */
  auth: boolean;
}

/** The run stopped before this row's first attempt. */
interface Unsent {
  kind: 'unsent';
  code: string;
  reason: string;
}

class RetryableAttempt extends Error {
  constructor(readonly result: Extract<AttemptResult, { kind: 'retryable' }>) {
    super(result.message);
  }
}

/** Sends one row with retries (p-retry) and turns the last answer into the row's outcome. */
export async function sendRow(row: number, request: UpdateRequest, ctx: SendRowContext): Promise<SentRow> {
  const started = ctx.now();
  let attempts = 0;
  let giveUpReason: string | undefined;
  const log = ctx.log;

  const attempt = async (): Promise<AttemptResult | Unsent> => {
    const slot = ctx.throttle.take();
    if (slot) await slot;
    // A row still waiting for its first slot when the run stops was never sent: it is skipped, not failed.
    const stopping = ctx.stopReason();
    if (stopping && attempts === 0) return { kind: 'unsent', ...stopping };
    attempts++;
    const t0 = ctx.now();
    const result = await sendUpdate(request, {
      origin: ctx.origin,
      path: ctx.path,
      apiKey: ctx.apiKey,
      dispatcher: ctx.dispatcher,
      timeoutMs: ctx.timeoutMs,
      inFlight: ctx.inFlight,
    });
    ctx.throttle.record(
      result.kind === 'success'
        ? 'ok'
        : result.kind === 'retryable' && result.throttled
          ? 'throttled'
          : 'other',
    );
    log({
      event: 'attempt',
      row,
      offer_id: request.offer_id,
      attempt: attempts,
      http_status: 'httpStatus' in result ? result.httpStatus : undefined,
      duration_ms: Math.round(ctx.now() - t0),
      outcome: result.kind,
      code: 'code' in result ? result.code : undefined,
    });
    if (result.kind === 'retryable') throw new RetryableAttempt(result);
    return result;
  };

  let last: AttemptResult | Unsent;
  try {
    last = await pRetry(attempt, {
      retries: ctx.maxAttempts - 1,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      // Every option is given, defaults included: when some are missing p-retry adds them to its copy of
      // this object, and that made each call about 8 µs slower (measured with the bench).
      maxRetryTime: Infinity,
      randomize: false,
      onFailedAttempt: () => undefined,
      shouldConsumeRetry: () => true,
      // The delay is ours (full jitter, Retry-After, injectable sleep); p-retry only counts and loops.
      shouldRetry: async ({ error, attemptNumber }) => {
        if (!(error instanceof RetryableAttempt)) return false;
        giveUpReason = ctx.stopReason()?.reason;
        if (giveUpReason) return false;
        if (!ctx.takeRetry()) {
          giveUpReason = BUDGET_EXHAUSTED;
          return false;
        }
        const delay = retryDelay(attemptNumber, error.result.retryAfterMs, ctx.backoff, ctx.random);
        log({
          event: 'retry',
          row,
          offer_id: request.offer_id,
          attempt: attemptNumber,
          retry_in_ms: delay,
          code: error.result.code,
        });
        await ctx.sleep(delay, ctx.haltSignal);
        giveUpReason = ctx.stopReason()?.reason;
        return giveUpReason === undefined;
      },
    });
  } catch (error) {
    if (!(error instanceof RetryableAttempt)) throw error;
    last = error.result;
  }
  const durationMs = Math.round(ctx.now() - started);
  return toSentRow(request, last, attempts, durationMs, giveUpReason);
}

const BUDGET_EXHAUSTED = 'the run retry budget is used up';

function toSentRow(
  request: UpdateRequest,
  last: AttemptResult | Unsent,
  attempts: number,
  durationMs: number,
  giveUpReason: string | undefined,
): SentRow {
  const ended = (
    status: RowOutcome['status'],
    errorCode: string,
    error: string,
    httpStatus?: number,
    offer?: RowOutcome['offer'],
  ): SentRow => ({
    outcome: { status, errorCode, error, httpStatus, attempts, durationMs, offer },
    exhausted: false,
    auth: false,
  });
  switch (last.kind) {
    case 'success': {
      const mismatches = findMismatches(request, last.offer);
      if (mismatches.length === 0) return ended('updated', '', '', last.httpStatus, last.offer);
      const message = `the server answered Success but ${mismatches.join('; ')}`;
      return ended('failed', 'E_ECHO_MISMATCH', message, last.httpStatus, last.offer);
    }
    case 'retryable': {
      const why = giveUpReason
        ? `; not retried: ${giveUpReason}`
        : attempts > 1
          ? `; gave up after ${attempts} attempts`
          : '';
      const row = ended('failed', last.code, `${last.message}${why}`, last.httpStatus);
      // Only a row that ran out of retries on its own says something about the server's health.
      return { ...row, exhausted: giveUpReason === undefined || giveUpReason === BUDGET_EXHAUSTED };
    }
    case 'rejected':
      return ended('failed', last.code, last.message, last.httpStatus);
    case 'auth':
      return { ...ended('failed', last.code, last.message, last.httpStatus), auth: true };
    case 'aborted':
      return ended('skipped', last.code, last.message);
    case 'unsent':
      return ended('skipped', last.code, `not sent: ${last.reason}`);
  }
}
