import pRetry from 'p-retry';
import type { Dispatcher } from 'undici';
import type { Logger } from './logger.js';
import { findMismatches } from './compare-offer.js';
import { retryDelay, type BackoffOptions } from './retry-policy.js';
import { sendUpdate, type AttemptResult } from './send-update.js';
import type { Throttle } from './throttle.js';
import type { RowOutcome, UpdateRequest } from './types.js';

/** Everything one row's send shares with the rest of the run. */
export interface SendRowContext {
  endpoint: string;
  apiKey: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxAttempts: number;
  backoff: BackoffOptions;
  throttle: Throttle;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  /** Fires on the second Ctrl-C: in-flight requests are aborted. */
  abortSignal: AbortSignal;
  /** Takes one retry from the run's budget; false when none is left. */
  takeRetry: () => boolean;
  /** A reason to stop retrying (interrupt, open circuit, rejected key), or undefined. */
  stopReason: () => string | undefined;
}

/** How a sent row ended, with what the breaker and the run need to know. */
export interface SentRow {
  outcome: RowOutcome;
  /** Ended on a retryable error: counts toward the circuit breaker. */
  exhausted: boolean;
  /** The key was rejected: the run must stop. */
  auth: boolean;
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
  const log = ctx.logger;

  const attempt = async (): Promise<AttemptResult> => {
    await ctx.throttle.take();
    attempts++;
    const t0 = ctx.now();
    const result = await sendUpdate(request, {
      url: ctx.endpoint,
      apiKey: ctx.apiKey,
      dispatcher: ctx.dispatcher,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.abortSignal,
    });
    ctx.throttle.record(
      result.kind === 'success'
        ? 'ok'
        : result.kind === 'retryable' && result.throttled
          ? 'throttled'
          : 'other',
    );
    log.info({
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

  let last: AttemptResult;
  try {
    last = await pRetry(attempt, {
      retries: ctx.maxAttempts - 1,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      // The delay is ours (full jitter, Retry-After, injectable sleep); p-retry only counts and loops.
      shouldRetry: async ({ error, attemptNumber }) => {
        if (!(error instanceof RetryableAttempt)) return false;
        giveUpReason = ctx.stopReason();
        if (giveUpReason) return false;
        if (!ctx.takeRetry()) {
          giveUpReason = 'the run retry budget is used up';
          return false;
        }
        const delay = retryDelay(attemptNumber, error.result.retryAfterMs, ctx.backoff, ctx.random);
        log.info({
          event: 'retry',
          row,
          offer_id: request.offer_id,
          attempt: attemptNumber,
          retry_in_ms: delay,
          code: error.result.code,
        });
        await ctx.sleep(delay);
        giveUpReason = ctx.stopReason();
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

function toSentRow(
  request: UpdateRequest,
  last: AttemptResult,
  attempts: number,
  durationMs: number,
  giveUpReason: string | undefined,
): SentRow {
  const base = { attempts, durationMs, offer: undefined };
  switch (last.kind) {
    case 'success': {
      const mismatches = findMismatches(request, last.offer);
      if (mismatches.length === 0) {
        return {
          outcome: {
            ...base,
            status: 'updated',
            errorCode: '',
            error: '',
            httpStatus: last.httpStatus,
            offer: last.offer,
          },
          exhausted: false,
          auth: false,
        };
      }
      return {
        outcome: {
          ...base,
          status: 'failed',
          errorCode: 'E_ECHO_MISMATCH',
          error: `the server answered Success but ${mismatches.join('; ')}`,
          httpStatus: last.httpStatus,
          offer: last.offer,
        },
        exhausted: false,
        auth: false,
      };
    }
    case 'retryable': {
      const why = giveUpReason
        ? `; not retried: ${giveUpReason}`
        : attempts > 1
          ? `; gave up after ${attempts} attempts`
          : '';
      return {
        outcome: {
          ...base,
          status: 'failed',
          errorCode: last.code,
          error: `${last.message}${why}`,
          httpStatus: last.httpStatus,
        },
        exhausted: giveUpReason === undefined || giveUpReason === 'the run retry budget is used up',
        auth: false,
      };
    }
    case 'rejected':
      return {
        outcome: {
          ...base,
          status: 'failed',
          errorCode: last.code,
          error: last.message,
          httpStatus: last.httpStatus,
        },
        exhausted: false,
        auth: false,
      };
    case 'auth':
      return {
        outcome: {
          ...base,
          status: 'failed',
          errorCode: last.code,
          error: last.message,
          httpStatus: last.httpStatus,
        },
        exhausted: false,
        auth: true,
      };
    case 'aborted':
      return {
        outcome: {
          ...base,
          status: 'skipped',
          errorCode: last.code,
          error: last.message,
          httpStatus: undefined,
        },
        exhausted: false,
        auth: false,
      };
  }
}
