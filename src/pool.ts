import pLimit from 'p-limit';

/**
 * A bounded pool with backpressure: `submit` resolves once the task has a slot, so the reader never holds
 * more than `concurrency` rows in flight and memory does not grow with the file.
 */
export interface Pool {
  /**
   * Starts `task` when a slot is free. Returns undefined when it started at once, else a promise that
   * resolves when it has started (the caller awaits only then: this runs for every row).
   */
  submit(task: () => Promise<void>): Promise<void> | undefined;
  /** Resolves when every submitted task has finished; rejects with the first task error (a bug, not a row failure). */
  drain(): Promise<void>;
  /** Tasks running now. */
  readonly active: number;
}

export function createPool(concurrency: number): Pool {
  const limit = pLimit(concurrency);
  let inFlight = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;

  function settle(): void {
    inFlight--;
    const resume = wake;
    wake = undefined;
    resume?.();
  }

  async function waitForSlot(max: number): Promise<void> {
    while (inFlight > max) await new Promise<void>((resolve) => (wake = resolve));
  }

  function start(task: () => Promise<void>): void {
    if (failure) throw failure;
    inFlight++;
    limit(task).then(settle, (error: unknown) => {
      failure ??= error;
      settle();
    });
  }

  return {
    submit(task) {
      if (inFlight < concurrency && !failure) {
        start(task);
        return undefined;
      }
      return waitForSlot(concurrency - 1).then(() => start(task));
    },
    async drain() {
      await waitForSlot(0);
      if (failure) throw failure;
    },
    get active() {
      return limit.activeCount;
    },
  };
}
