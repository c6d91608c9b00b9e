import { setMaxListeners } from 'node:events';
import { request, type Dispatcher } from 'undici';
import { readEchoedOffer } from './compare-offer.js';
import { redactSecret } from './errors.js';
import {
  AUTH_MESSAGE,
  AUTH_STATUSES,
  RETRYABLE_STATUSES,
  THROTTLE_MESSAGE,
  parseRetryAfter,
} from './retry-policy.js';
import type { ResultOffer, UpdateRequest } from './types.js';

/** The outcome of one HTTP attempt; only `retryable` outcomes are tried again. */
export type AttemptResult =
  | { kind: 'success'; httpStatus: number; offer: ResultOffer }
  | {
      kind: 'retryable';
      code: string;
      message: string;
      httpStatus: number | undefined;
      retryAfterMs: number | undefined;
      throttled: boolean;
    }
  | { kind: 'rejected'; code: string; message: string; httpStatus: number | undefined }
  | { kind: 'auth'; code: 'E_AUTH'; message: string; httpStatus: number }
  | { kind: 'aborted'; code: 'E_ABORTED'; message: string };

export interface SendContext {
  /** Full update_offer endpoint. */
  url: string;
  apiKey: string;
  dispatcher: Dispatcher;
  /** Whole-attempt limit: connect, headers and body together. */
  timeoutMs: number;
  /** Aborts the attempt at once (second Ctrl-C). */
  signal: AbortSignal;
}

/** Bodies are a few hundred bytes; anything this large is not a CAKE answer. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Sends one update_offer request and classifies what came back. Never throws. */
export async function sendUpdate(update: UpdateRequest, context: SendContext): Promise<AttemptResult> {
  if (context.signal.aborted) return aborted();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), context.timeoutMs);
  const onAbort = () => controller.abort();
  // Every request in flight listens on the run's one signal; past 10 Node would warn of a leak.
  setMaxListeners(0, context.signal);
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await request(context.url, {
      method: 'POST',
      dispatcher: context.dispatcher,
      signal: controller.signal,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ api_key: context.apiKey, ...update }),
    });
    const text = await readBody(response.body);
    return classify(response.statusCode, response.headers, text, context.apiKey);
  } catch (error) {
    if (context.signal.aborted) return aborted();
    if (controller.signal.aborted) {
      return retryable('E_TIMEOUT', `no complete answer within ${context.timeoutMs} ms`, undefined);
    }
    return networkFailure(error, context.apiKey);
  } finally {
    clearTimeout(timer);
    context.signal.removeEventListener('abort', onAbort);
  }
}

async function readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      return '';
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  apiKey: string,
): AttemptResult {
  if (AUTH_STATUSES.has(status)) {
    return {
      kind: 'auth',
      code: 'E_AUTH',
      httpStatus: status,
      message: `the API rejected the key (HTTP ${status})`,
    };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now());
    return retryable(
      `E_HTTP_${status}`,
      `HTTP ${status}${snippet(text, apiKey)}`,
      status,
      retryAfterMs,
      status === 429,
    );
  }
  if (status < 200 || status >= 300) {
    return {
      kind: 'rejected',
      code: `E_HTTP_${status}`,
      message: `HTTP ${status}${snippet(text, apiKey)}`,
      httpStatus: status,
    };
  }
  const body = parseJson(text);
  const status_ = typeof body?.request_status === 'string' ? body.request_status : undefined;
  if (!body || status_ === undefined) {
    return retryable('E_BAD_RESPONSE', `the answer is not CAKE's JSON${snippet(text, apiKey)}`, status);
  }
  if (status_ === 'Success')
    return { kind: 'success', httpStatus: status, offer: readEchoedOffer(body.offer) };
  const message = redactSecret(serverMessage(body) ?? `request_status ${status_}`, apiKey);
  if (THROTTLE_MESSAGE.test(message)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], Date.now());
    return retryable('E_THROTTLED', `throttled: ${message}`, status, retryAfterMs, true);
  }
  if (AUTH_MESSAGE.test(message))
    return {
      kind: 'auth',
      code: 'E_AUTH',
      httpStatus: status,
      message: `the API rejected the key: ${message}`,
    };
  return { kind: 'rejected', code: 'E_API_FAILURE', message, httpStatus: status };
}

/** CAKE's JSON endpoints sometimes wrap the answer in `d` (ASP.NET style); unwrap it. */
function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const record = value as Record<string, unknown>;
    const inner = record.d;
    return typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? (inner as Record<string, unknown>)
      : record;
  } catch {
    return undefined;
  }
}

function serverMessage(body: Record<string, unknown>): string | undefined {
  for (const key of ['message', 'Message', 'error', 'errors']) {
    const value = body[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    if (Array.isArray(value) && value.length > 0) return value.map(String).join('; ');
  }
  return undefined;
}

function snippet(text: string, apiKey: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean === '') return '';
  return `: ${redactSecret(clean.length > 120 ? `${clean.slice(0, 120)}...` : clean, apiKey)}`;
}

function retryable(
  code: string,
  message: string,
  httpStatus: number | undefined,
  retryAfterMs?: number,
  throttled = false,
): AttemptResult {
  return { kind: 'retryable', code, message, httpStatus, retryAfterMs, throttled };
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
      return retryable('E_CONNECT_REFUSED', `connection refused: ${text}`, undefined);
    case 'UND_ERR_CONNECT_TIMEOUT':
      return retryable('E_CONNECT_TIMEOUT', 'connection timed out', undefined);
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return retryable('E_TIMEOUT', `timed out: ${text}`, undefined);
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return retryable('E_CONNECTION_RESET', `connection reset: ${text}`, undefined);
    default:
      return retryable('E_NETWORK', `network error (${code}): ${text}`, undefined);
  }
}
