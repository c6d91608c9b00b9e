/**
 * Paces request starts across the whole pool: a fixed `--rate` ceiling (token spacing, no bursts) and an
 * adaptive limit that backs off when the server throttles (AIMD: cut to a share of what the server
 * actually accepted, then grow back gradually), so one worker's 429 slows every worker.
 */
export interface Throttle {
  /** Undefined when the next request may start now, else a promise that resolves when it may. */
  take(): Promise<void> | undefined;
  /** Records the outcome of one answered request. */
  record(outcome: 'ok' | 'throttled' | 'other'): void;
  /** How many times the adaptive limit was cut, for the summary and log. */
  cuts(): number;
}

export interface ThrottleOptions {
  /** Fixed ceiling in requests per second; undefined is unlimited. */
  rate: number | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** A cut happens when at least this share of the answers in the window were throttled. */
const THROTTLED_SHARE = 0.1;
/**
 * The window is the last second's answers, reaching further back when that holds fewer than this. Over
 * a small sample, a server that throttles a few percent of requests at random often looks like it
 * throttles a tenth, and each false cut shrinks the next sample: the pool spirals down.
 */
const MIN_SAMPLE = 100;
/** The new limit is this share of the requests per second the server accepted (did not throttle) in the window. */
const CUT_TO = 0.6;
const COOLDOWN_MS = 1000;
/** Growth per second without a cut. */
const GROWTH = 0.1;
const WINDOW_MS = 1000;
const MIN_RATE = 1;

export function createThrottle(options: ThrottleOptions): Throttle {
  const { now, sleep } = options;
  const ceiling = options.rate ?? Infinity;
  let adaptive = Infinity;
  let lastCut = -Infinity;
  let lastGrowth = 0;
  let cutCount = 0;
  let nextSlot = 0;
  // Answers in the current sliding window, oldest first: window[head..] (a queue without shift(), which
  // copies the array on every answer).
  const window = { times: [] as number[], throttled: [] as boolean[], head: 0 };
  let windowThrottled = 0;
  const windowSize = () => window.times.length - window.head;
  const clearWindow = () => {
    window.times.length = window.throttled.length = window.head = 0;
    windowThrottled = 0;
  };

  function limit(): number {
    return Math.min(ceiling, adaptive);
  }

  function trim(t: number): void {
    while (windowSize() > MIN_SAMPLE && window.times[window.head]! < t - WINDOW_MS) {
      if (window.throttled[window.head]) windowThrottled--;
      window.head++;
    }
    if (window.head > 4096 && window.head > windowSize()) {
      window.times.splice(0, window.head);
      window.throttled.splice(0, window.head);
      window.head = 0;
    }
  }

  function grow(t: number): void {
    if (adaptive === Infinity || t - lastGrowth < 100) return;
    const seconds = (t - Math.max(lastGrowth, lastCut)) / 1000;
    lastGrowth = t;
    if (t - lastCut < COOLDOWN_MS) return;
    adaptive *= 1 + GROWTH * seconds;
    // Once well past every limit the server has shown, stop pacing altogether.
    if (adaptive > 4 * peakAccepted) adaptive = Infinity;
  }
  let peakAccepted = 0;

  return {
    take() {
      const rate = limit();
      if (rate === Infinity) return undefined;
      const t = now();
      const slot = Math.max(t, nextSlot);
      nextSlot = slot + 1000 / rate;
      return slot > t ? sleep(slot - t) : undefined;
    },
    record(outcome) {
      const t = now();
      window.times.push(t);
      window.throttled.push(outcome === 'throttled');
      if (outcome === 'throttled') windowThrottled++;
      if (windowSize() > 4096) trim(t);
      if (outcome !== 'throttled') {
        grow(t);
        return;
      }
      trim(t);
      const size = windowSize();
      if (t - lastCut < COOLDOWN_MS || size < MIN_SAMPLE) return;
      if (windowThrottled / size < THROTTLED_SHARE) return;
      const seconds = Math.max(WINDOW_MS, t - window.times[window.head]!) / 1000;
      const accepted = Math.max((size - windowThrottled) / seconds, MIN_RATE);
      peakAccepted = Math.max(peakAccepted, accepted);
      adaptive = Math.max(MIN_RATE, Math.min(adaptive, accepted) * CUT_TO);
      lastCut = t;
      lastGrowth = t;
      cutCount++;
      // Answers to requests sent at the old rate say nothing about the new one.
      clearWindow();
    },
    cuts() {
      return cutCount;
    },
  };
}
