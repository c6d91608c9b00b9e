import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { CakeEndpoint } from '../cake/endpoint.js';
import type { LogLine } from '../record/log.js';
import { createRedactor, type Redactor } from '../redact.js';
import type { AttemptContext } from '../send/attempt.js';
import { createCircuitBreaker, type CircuitBreaker } from '../send/circuit-breaker.js';
import { trackInFlight, type InFlight } from '../send/in-flight.js';
import { createPool, type Pool } from '../send/pool.js';
import { createRetryBudget, type RetryBudget } from '../send/retry-budget.js';
import type { SendRowContext } from '../send/send-row.js';
import { createThrottle, type Throttle } from '../send/throttle.js';
import { createAfterWrites, type AfterWrites } from './after-writes.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { StopPolicy } from './stop-policy.js';

/**
 * What every request of a run shares, reads and updates alike: one pool, one rate limit and adaptive
 * throttle, one retry budget, one circuit breaker, one set of exchanges in flight, one stop.
 */
export interface Machinery {
  endpoint: CakeEndpoint;
  redact: Redactor;
  pool: Pool;
  throttle: Throttle;
  budget: RetryBudget;
  breaker: CircuitBreaker;
  inFlight: InFlight;
  afterWrites: AfterWrites;
  rowContext: SendRowContext;
  attemptContext: AttemptContext;
  stop: StopPolicy;
  close(): void;
}

export interface MachineryDeps {
  dispatcher: Dispatcher | undefined;
  stop: StopPolicy;
  abortSignal: AbortSignal | undefined;
  logLine: LogLine;
  /** @default a timer that ends early, without throwing, when `signal` aborts */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** @default Math.random */
  random?: () => number;
  /** @default performance.now */
  now?: () => number;
  /** Retries allowed across the run when --retry-budget is not given. */
  defaultBudget: number;
}

export function createMachinery(o: ResolvedOptions, given: MachineryDeps): Machinery {
  const deps = {
    ...given,
    sleep:
      given.sleep ??
      ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined)),
    random: given.random ?? Math.random,
    now: given.now ?? (() => performance.now()),
  };
  const { stop } = deps;
  const budget = createRetryBudget(o.retryBudget ?? deps.defaultBudget);
  // A request waiting for its rate slot when the run stops will not be sent: its wait ends at once too.
  const throttle = createThrottle({
    rate: o.rate,
    now: deps.now,
    sleep: (ms) => deps.sleep(ms, stop.signal),
  });
  const inFlight = trackInFlight(deps.abortSignal ?? new AbortController().signal);
  // A sent row's lines (results, journal, log) are written after the next requests are on the wire.
  const afterWrites = createAfterWrites();
  const endpoint = o.endpoint as CakeEndpoint;
  const redact = createRedactor(o.apiKey);
  return {
    endpoint,
    redact,
    pool: createPool(o.concurrency),
    throttle,
    budget,
    breaker: createCircuitBreaker(o.breakerThreshold),
    inFlight,
    afterWrites,
    stop,
    rowContext: {
      maxAttempts: o.maxAttempts,
      backoff: o.backoff,
      throttle,
      budget,
      halt: stop.signal,
      log: (fields) => afterWrites.defer(() => deps.logLine(fields)),
      sleep: deps.sleep,
      random: deps.random,
      now: deps.now,
    },
    attemptContext: {
      dispatcher: deps.dispatcher as Dispatcher,
      origin: endpoint?.origin,
      timeoutMs: o.timeoutMs,
      inFlight,
      redact,
    },
    close() {
      afterWrites.flush();
      inFlight.close();
    },
  };
}
