/**
 * Work put off until the requests this event-loop turn dispatched are on the wire.
 *
 * undici writes a request on a reused keep-alive connection only in the loop's check phase (a
 * `setImmediate` that first lets the socket report a close; GHSA-35p6-xmwp-9g52). Answers that arrive
 * together are all handled in the poll phase before that, so whatever the run does per answer delays
 * every new request of the burst. A sent row's results line, journal line and log lines are queued here
 * and written in one batch a turn later, after those writes (docs/performance.md has the measurement).
 */
export interface AfterWrites {
  /** Runs `work` after this turn's writes, in the order queued. Throws once queued work has failed. */
  defer(work: () => void): void;
  /** Runs what is queued now (the run is ending: nothing may be left behind). Never throws. */
  flush(): void;
  /** The first error queued work threw (a results line that could not be written), if any. */
  readonly failure: unknown;
}

export function createAfterWrites(): AfterWrites {
  let queued: Array<() => void> = [];
  let scheduled = false;
  let failure: unknown;

  function flush(): void {
    scheduled = false;
    const work = queued;
    queued = [];
    for (const fn of work) {
      try {
        fn();
      } catch (error) {
        // No caller to throw to here: the next `defer` throws it, inside the row that called it.
        failure ??= error;
      }
    }
  }

  return {
    defer(work) {
      if (failure !== undefined) throw failure;
      queued.push(work);
      if (scheduled) return;
      scheduled = true;
      // Two hops: an immediate queued now would run among undici's, between two of the writes.
      setImmediate(() => setImmediate(flush));
    },
    flush,
    get failure() {
      return failure;
    },
  };
}
