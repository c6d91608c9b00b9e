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
