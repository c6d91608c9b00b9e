/**
 * Stops a run against a server that keeps failing, instead of burning through the whole file. Counts
 * rows in a row that exhausted their retries on retryable errors; any other outcome resets the count.
 */
export interface CircuitBreaker {
  record(outcome: 'success' | 'exhausted' | 'other'): void;
  readonly open: boolean;
}

export function createCircuitBreaker(threshold: number): CircuitBreaker {
  let consecutive = 0;
  let open = false;
  return {
    record(outcome) {
      if (outcome === 'exhausted') {
        consecutive++;
        if (threshold > 0 && consecutive >= threshold) open = true;
      } else {
        consecutive = 0;
      }
    },
    get open() {
      return open;
    },
  };
}
