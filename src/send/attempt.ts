import type { Dispatcher } from 'undici';
import { redactSecret } from '../redact.js';
import type { AttemptResult, HttpAnswer, HttpRequest } from '../types.js';
import { exchange } from './http-exchange.js';
import { Cancelled, type InFlight } from './in-flight.js';

export interface AttemptContext {
  dispatcher: Dispatcher;
  origin: string;
  /** Whole-attempt limit: connect, headers and body together. */
  timeoutMs: number;
  /** The run's exchanges in flight, aborted together at once (second Ctrl-C). */
  inFlight: InFlight;
  /** Scrubbed from any error text. */
  apiKey: string;
}

/** Answers are a few hundred bytes; anything this large is not a CAKE answer. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Puts one request on the wire and waits for the whole answer, within the attempt's time limit. A
 * failure to get an answer comes back as the attempt's result (never thrown); the answer itself is for
 * the caller to classify.
 */
export async function sendAttempt(
  request: HttpRequest,
  context: AttemptContext,
): Promise<{ answer: HttpAnswer } | AttemptResult> {
  const { inFlight } = context;
  if (inFlight.signal.aborted) return aborted();
  const call = exchange({
    dispatcher: context.dispatcher,
    origin: context.origin,
    request,
    maxBodyBytes: MAX_BODY_BYTES,
  });
  const timer = setTimeout(() => call.cancel(new Cancelled('timeout')), context.timeoutMs);
  const slot = inFlight.add(call);
  try {
    return { answer: await call.answer };
  } catch (error) {
    if (error instanceof Cancelled) {
      return error.why === 'aborted'
        ? aborted()
        : retryable('E_TIMEOUT', `no complete answer within ${context.timeoutMs} ms`);
    }
    return networkFailure(error, context.apiKey);
  } finally {
    clearTimeout(timer);
    inFlight.delete(slot);
  }
}

function retryable(code: string, message: string): AttemptResult {
  return {
    kind: 'retryable',
    code,
    message,
    httpStatus: undefined,
    retryAfterMs: undefined,
    throttled: false,
  };
}

function aborted(): AttemptResult {
  return {
    kind: 'aborted',
    code: 'E_ABORTED',
    message: 'aborted while the request was in flight: the update may or may not have been applied',
  };
}

/** Network failures are all retryable: the update is idempotent. Codes name the failure, not the prose. */
function networkFailure(error: unknown, apiKey: string): AttemptResult {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? 'UNKNOWN';
  const text = redactSecret(err.cause?.message ?? err.message ?? String(error), apiKey);
  switch (code) {
    case 'ECONNREFUSED':
      return retryable('E_CONNECT_REFUSED', `connection refused: ${text}`);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return retryable('E_CONNECT_TIMEOUT', 'connection timed out');
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return retryable('E_TIMEOUT', `timed out: ${text}`);
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return retryable('E_CONNECTION_RESET', `connection reset: ${text}`);
    default:
      return retryable('E_NETWORK', `network error (${code}): ${text}`);
  }
}
