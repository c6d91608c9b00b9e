import type { Dispatcher } from 'undici';
import type { Redactor } from '../redact.js';
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
  /** Scrubs the key from any error text. */
  redact: Redactor;
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
    return networkFailure(error, context.redact);
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

/**
 * Certificate failures: not transient (the same certificate is refused every time) and not safe to
 * retry past, so the run stops and says why.
 */
const TLS_FAILURES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Network failures are retryable (an update is idempotent), but for the certificate's. Codes name the failure, not the prose. */
function networkFailure(error: unknown, redact: Redactor): AttemptResult {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? 'UNKNOWN';
  const text = redact(err.cause?.message ?? err.message ?? String(error));
  if (TLS_FAILURES.has(code) || TLS_FAILURES.has(err.cause?.code ?? '')) {
    return {
      kind: 'fatal',
      code: 'E_TLS',
      httpStatus: undefined,
      message: `the server's TLS certificate was refused (${err.cause?.code ?? code}: ${text}); check --base-url, or the machine's CA certificates (NODE_EXTRA_CA_CERTS)`,
    };
  }
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
