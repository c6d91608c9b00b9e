/**
 * A bounded pool with backpressure: `submit` hands back a promise only while every slot is taken, so the
 * reader holds at most `concurrency` rows in flight and memory does not grow with the file. Written out
 * rather than p-limit: the pool never lets a task queue (the reader waits instead), which is all a
 * limiter's queue would be for.
 */
export interface Pool {
  /**
   * Starts `task` when a slot is free. Returns undefined when it started at once, else a promise that
   * resolves once it has started (the caller awaits only then: this runs for every row).
   */
  submit(task: () => Promise<void>): Promise<void> | undefined;
  /** Resolves when every submitted task has finished; rejects with the first task error (a bug, not a row failure). */
  drain(): Promise<void>;
}

export function createPool(concurrency: number): Pool {
  let running = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;

  function settle(): void {
    running--;
    const resume = wake;
    wake = undefined;
    resume?.();
  }

  async function waitUntil(max: number): Promise<void> {
    while (running > max) await new Promise<void>((resolve) => (wake = resolve));
  }

  function start(task: () => Promise<void>): void {
    if (failure) throw failure;
    running++;
    task().then(settle, (error: unknown) => {
      failure ??= error;
      settle();
    });
  }

  return {
    submit(task) {
      if (running < concurrency && !failure) {
        start(task);
        return undefined;
      }
      return waitUntil(concurrency - 1).then(() => start(task));
    },
    async drain() {
      await waitUntil(0);
      if (failure) throw failure;
    },
  };
}
