import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** V8's new space (both semi-spaces) at most this large once a run has warmed up. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 1024 * 1024;

/**
 * Lets V8's young generation grow up to `capBytes` and no further. Node 22 and 24 size its maximum from
 * the machine's memory, so on a large machine a run's memory grew with it for no gain in speed
 * (docs/performance.md has the figures).
 * `--max-semi-space-size` would say this, but V8 reads it only at start-up; `--semi-space-growth-factor`
 * it reads each time it grows the space, so setting it to 1 when the space reaches the cap stops it there.
 * The check runs after each collection once the event loop turns (a run turns it every few hundred rows,
 * and the space grows at most once a collection). Only the CLI calls this: a library must not change its
 * host's GC.
 */
export function capYoungGeneration(capBytes = YOUNG_GENERATION_CAP_BYTES): void {
  const observer = new PerformanceObserver(() => {
    if (newSpaceBytes() < capBytes) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}
