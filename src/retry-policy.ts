/** HTTP statuses worth another attempt: the update sets absolute values, so repeating it is safe. */
export const RETRYABLE_STATUSES = new Set([
  408, // Request Timeout: the server gave up waiting for us
  425, // Too Early: replay protection, try again later
  429, // Too Many Requests: throttled, honour Retry-After
  500, // Internal Server Error: often transient on CAKE
  502, // Bad Gateway: load balancer could not reach the app
  503, // Service Unavailable: maintenance or overload
  504, // Gateway Timeout: the app was too slow behind the proxy
]);

/** Statuses that mean the key is wrong: stop the whole run, every later request would fail too. */
export const AUTH_STATUSES = new Set([401, 403]);

/** CAKE throttles with HTTP 200 and one of these messages; they are retried like a 429. */
export const THROTTLE_MESSAGE = /restricted|rate limit|too many/i;

/** CAKE reports a bad key with HTTP 200 and a message about the key. */
export const AUTH_MESSAGE = /api[ _-]?key/i;

export interface BackoffOptions {
  /** First retry's ceiling, in ms. */
  baseMs: number;
  /** Largest delay between attempts, in ms. */
  capMs: number;
  /** Longest Retry-After honoured, in ms: a server asking for an hour is treated as asking for this. */
  maxRetryAfterMs: number;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay up to the exponential ceiling), so a
 * pool of workers that failed together does not retry together. A Retry-After from the server is a floor.
 */
export function retryDelay(
  attempt: number,
  retryAfterMs: number | undefined,
  options: BackoffOptions,
  random: () => number,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(Math.min(retryAfterMs, options.maxRetryAfterMs), jittered);
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
