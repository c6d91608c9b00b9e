/** A token bucket holding one second's worth of requests; `maxRps` undefined lets everything through. */
export function createRateLimit(maxRps: number | undefined) {
  let limit = maxRps;
  let tokens = limit ?? 0;
  let refilledAt = Date.now();
  return {
    /** Takes a token; false when none is left and the request must be refused. */
    take(): boolean {
      if (limit === undefined) return true;
      const now = Date.now();
      tokens = Math.min(limit, tokens + ((now - refilledAt) / 1000) * limit);
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    /** A new limit, starting with a full bucket. */
    set(next: number | undefined): void {
      limit = next;
      tokens = limit ?? 0;
    },
  };
}
