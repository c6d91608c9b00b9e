/** Retries allowed across a whole run, so a flapping server cannot multiply traffic without bound. */
export interface RetryBudget {
  /** Takes one retry; false when none is left. */
  take(): boolean;
  /** Retries taken so far. */
  readonly used: number;
}

export function createRetryBudget(limit: number): RetryBudget {
  let used = 0;
  return {
    take() {
      if (used >= limit) return false;
      used++;
      return true;
    },
    get used() {
      return used;
    },
  };
}
