import type { Redactor } from '../redact.js';
import type { AttemptResult, HttpAnswer } from '../types.js';
import { AUTH_STATUSES, RETRYABLE_STATUSES, isAuthMessage, isThrottleMessage } from './answer-rules.js';

/** A CAKE answer: its JSON body when CAKE said Success, otherwise the attempt's failure. */
export type Classified =
  | { kind: 'success'; httpStatus: number; body: Record<string, unknown> }
  | Exclude<AttemptResult, { kind: 'success' }>;

/**
 * Classifies an answer of any CAKE JSON endpoint. CAKE answers many failures with HTTP 200, so a 200 is a
 * success only with `request_status: Success`. Every text taken from the answer is scrubbed of the key
 * before it is cut or kept.
 */
export function classifyAnswer(answer: HttpAnswer, redact: Redactor): Classified {
  const { status, headers, text } = answer;
  if (AUTH_STATUSES.has(status)) {
    return {
      kind: 'fatal',
      code: 'E_AUTH',
      httpStatus: status,
      message: `the API rejected the key (HTTP ${status})`,
    };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    return retryable(
      `E_HTTP_${status}`,
      `HTTP ${status}${snippet(text, redact)}`,
      status,
      retryAfter(headers),
      status === 429,
    );
  }
  if (status < 200 || status >= 300) {
    return {
      kind: 'rejected',
      code: `E_HTTP_${status}`,
      message: `HTTP ${status}${snippet(text, redact)}`,
      httpStatus: status,
    };
  }
  const body = parseJson(text);
  const requestStatus = typeof body?.request_status === 'string' ? body.request_status : undefined;
  if (!body || requestStatus === undefined) {
    return retryable('E_BAD_RESPONSE', `the answer is not CAKE's JSON${snippet(text, redact)}`, status);
  }
  if (requestStatus === 'Success') return { kind: 'success', httpStatus: status, body };
  const raw = serverMessage(body) ?? `request_status ${JSON.stringify(requestStatus)}`;
  if (isThrottleMessage(raw)) {
    const message = cut(redact(raw));
    return retryable('E_THROTTLED', `throttled: ${message}`, status, retryAfter(headers), true);
  }
  const message = cut(redact(raw));
  if (isAuthMessage(raw)) {
    return {
      kind: 'fatal',
      code: 'E_AUTH',
      httpStatus: status,
      message: `the API rejected the key: ${message}`,
    };
  }
  return { kind: 'rejected', code: 'E_API_FAILURE', message, httpStatus: status };
}

/** Parses Retry-After as delta-seconds or an HTTP-date (RFC 9110 section 10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function retryAfter(headers: HttpAnswer['headers']): number | undefined {
  return parseRetryAfter(headers['retry-after'], Date.now());
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

/** The start of an answer's body for a message: scrubbed whole first, then cut, so no cut can expose the key. */
function snippet(text: string, redact: Redactor): string {
  const clean = redact(text.length > 64 * 1024 ? text.slice(0, 64 * 1024) : text)
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') return '';
  return `: ${clean.length > 120 ? `${clean.slice(0, 120)}...` : clean}`;
}

/** A server message kept for the results file: one line, at most 500 characters. */
function cut(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}...` : line;
}

/** A failure worth another attempt. */
export function retryable(
  code: string,
  message: string,
  httpStatus: number | undefined,
  retryAfterMs?: number,
  throttled = false,
): Exclude<AttemptResult, { kind: 'success' }> {
  return { kind: 'retryable', code, message, httpStatus, retryAfterMs, throttled };
}
