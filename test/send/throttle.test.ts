import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { createThrottle, type Throttle } from '../../src/send/throttle.js';
import { API_KEY, payoutCsv, readLog, readResults, runCli, tempDir, writeCsv } from '../support/helpers.js';
import { offersNotMatching } from '../support/fault-helpers.js';

/** A throttle on a clock that only moves when the test says so. */
function manualThrottle(rate?: number) {
  const clock = { t: 0 };
  const waits: number[] = [];
  const throttle = createThrottle({
    rate,
    now: () => clock.t,
    sleep: async (ms) => void waits.push(ms),
  });
  /** Records `outcomes` spread evenly from the current time over `ms`. */
  const answer = (outcomes: Array<'ok' | 'throttled' | 'other'>, ms = 10 * outcomes.length) => {
    for (const outcome of outcomes) {
      throttle.record(outcome);
      clock.t += ms / outcomes.length;
    }
  };
  return { clock, waits, throttle, answer };
}

const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

/**
 * The requests per second the throttle lets through now, read off the waits it asks two back-to-back
 * starts for; undefined when it does not pace at all.
 */
function currentRate({ throttle, waits }: ReturnType<typeof manualThrottle>): number | undefined {
  const delays = [0, 1].map(() => {
    const asked = waits.length;
    return throttle.take() ? waits[asked]! : 0;
  });
  const spacing = delays[1]! - delays[0]!;
  return spacing === 0 ? undefined : 1000 / spacing;
}

describe('--rate', () => {
  it('spaces request starts 1000/rate ms apart across every caller of the pool', async () => {
    const { waits, throttle } = manualThrottle(10);
    await Promise.all(times(5, 0).map(() => throttle.take()));
    expect(waits).toEqual([100, 200, 300, 400]);
  });
});

describe('adaptive limit (AIMD)', () => {
  it('leaves the pool unpaced until the server throttles', () => {
    const paced = manualThrottle();
    const { throttle, answer } = paced;
    answer([...times(500, 'ok' as const), ...times(500, 'other' as const)]);
    expect(currentRate(paced)).toBeUndefined();
    expect(throttle.cuts()).toBe(0);
  });

  it.each([
    ['90 ok', times(90, 'ok' as const)],
    [
      '45 ok and 45 failed otherwise (503, timeouts)',
      [...times(45, 'ok' as const), ...times(45, 'other' as const)],
    ],
  ])(
    'cuts to 0.6 x the answers per second not throttled once a tenth were throttled: %s',
    (_name, accepted) => {
      const paced = manualThrottle();
      const { throttle, answer } = paced;
      // 100 answers in one second, the last 10 of them throttled.
      answer([...accepted, ...times(10, 'throttled' as const)], 1000);
      expect(throttle.cuts()).toBe(1);
      expect(currentRate(paced)).toBeCloseTo(90 * 0.6, 5);
    },
  );

  it('does not cut while under 10% of answers are throttled', () => {
    const paced = manualThrottle();
    const { throttle, answer } = paced;
    for (let second = 0; second < 5; second++)
      answer([...times(91, 'ok' as const), ...times(9, 'throttled' as const)], 1000);
    expect(throttle.cuts()).toBe(0);
    expect(currentRate(paced)).toBeUndefined();
  });

  it('does not judge the server on a handful of answers', () => {
    const paced = manualThrottle();
    const { throttle, answer } = paced;
    answer([...times(5, 'ok' as const), ...times(5, 'throttled' as const)], 1000);
    expect(throttle.cuts()).toBe(0);
  });

  it('needs fresh evidence for a second cut: answers from before a cut do not count again', () => {
    const paced = manualThrottle();
    const { throttle, answer, clock } = paced;
    answer([...times(90, 'ok' as const), ...times(10, 'throttled' as const)], 1000);
    expect(throttle.cuts()).toBe(1);
    clock.t += 2000;
    answer(times(5, 'throttled' as const), 100);
    expect(throttle.cuts()).toBe(1);
    answer([...times(85, 'ok' as const), ...times(10, 'throttled' as const)], 2000);
    expect(throttle.cuts()).toBe(2);
  });

  it('grows back gradually after a cut, then stops pacing', () => {
    const paced = manualThrottle();
    const { answer } = paced;
    answer([...times(90, 'ok' as const), ...times(10, 'throttled' as const)], 1000);
    const cut = currentRate(paced)!;
    answer(times(100, 'ok' as const), 1000);
    const afterOneSecond = currentRate(paced)!;
    answer(times(500, 'ok' as const), 5000);
    const afterSixSeconds = currentRate(paced)!;
    expect(afterOneSecond).toBeLessThanOrEqual(cut * 1.11);
    expect(afterSixSeconds).toBeGreaterThan(cut * 1.3);
    expect(afterSixSeconds).toBeLessThan(cut * 2);
    answer(times(6000, 'ok' as const), 60_000);
    expect(currentRate(paced)).toBeUndefined();
  });
});

/**
 * A pool of `workers` on a virtual clock: each takes a slot from the throttle, spends `serviceMs`, and
 * records what `answer` says; a throttled worker then waits the 1 s its Retry-After asked for.
 */
async function simulate(options: {
  workers: number;
  seconds: number;
  serviceMs: number;
  answer: (t: number) => 'ok' | 'throttled' | 'other';
  adaptive: boolean;
}): Promise<{ perSecond: number; throttledShare: number; cuts: number }> {
  let t = 0;
  const timers: Array<{ at: number; wake: () => void }> = [];
  const sleep = (ms: number) => new Promise<void>((wake) => timers.push({ at: t + ms, wake }));
  const throttle: Throttle = createThrottle({ rate: undefined, now: () => t, sleep });
  let answered = 0;
  let throttled = 0;
  const worker = async () => {
    while (t < options.seconds * 1000) {
      await throttle.take();
      await sleep(options.serviceMs);
      const outcome = options.answer(t);
      answered++;
      // Without the adaptive limit a throttled answer is just another failure to the throttle.
      throttle.record(outcome === 'throttled' && !options.adaptive ? 'other' : outcome);
      if (outcome === 'throttled') {
        throttled++;
        await sleep(1000);
      }
    }
  };
  let finished = false;
  void Promise.all(times(options.workers, 0).map(worker)).then(() => (finished = true));
  while (!finished) {
    await new Promise((resolve) => setImmediate(resolve));
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    if (!next) continue;
    t = Math.max(t, next.at);
    next.wake();
  }
  return {
    perSecond: answered / options.seconds,
    throttledShare: throttled / answered,
    cuts: throttle.cuts(),
  };
}

function tokenBucket(perSecond: number) {
  let tokens = perSecond;
  let refilled = 0;
  return (t: number) => {
    tokens = Math.min(perSecond, tokens + ((t - refilled) / 1000) * perSecond);
    refilled = t;
    if (tokens < 1) return 'throttled' as const;
    tokens--;
    return 'ok' as const;
  };
}

describe('the adaptive limit in a simulated pool', () => {
  it('does not collapse when a server throttles 5% of requests at random', async () => {
    const random = seededRandom(7);
    const base = { workers: 16, seconds: 60, serviceMs: 60 };
    const noisy = () => (t: number) => (void t, random() < 0.05 ? ('throttled' as const) : ('ok' as const));
    const adaptive = await simulate({ ...base, answer: noisy(), adaptive: true });
    const fixed = await simulate({ ...base, answer: noisy(), adaptive: false });
    expect(adaptive.perSecond).toBeGreaterThan(fixed.perSecond * 0.6);
  });

  it('keeps the 429 share of a rate-limited server under 10% where Retry-After alone does not', async () => {
    const base = { workers: 64, seconds: 30, serviceMs: 2 };
    const adaptive = await simulate({ ...base, answer: tokenBucket(200), adaptive: true });
    const fixed = await simulate({ ...base, answer: tokenBucket(200), adaptive: false });
    expect(fixed.throttledShare).toBeGreaterThan(0.1);
    expect(adaptive.throttledShare).toBeLessThan(0.1);
    expect(adaptive.cuts).toBeGreaterThan(0);
    expect(adaptive.perSecond).toBeGreaterThan(200 * 0.8);
  });
});

describe('against the sandbox limited to N requests per second', () => {
  let sandbox: Sandbox | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await sandbox?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [16, 150, 900],
    [64, 100, 600],
  ])(
    'with --concurrency %i against %i/s: every row updated, under 10% answered 429',
    async (concurrency, maxRps, rows) => {
      sandbox = await startSandbox({ apiKey: API_KEY, maxRps });
      dir = await tempDir();
      const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));
      const run = await runCli(
        [
          'apply',
          input,
          '--base-url',
          sandbox.url,
          '--concurrency',
          String(concurrency),
          '--max-attempts',
          '10',
        ],
        { env: { CAKE_API_KEY: API_KEY } },
      );
      expect(run.code).toBe(0);
      const results = await readResults(join(dir, 'offers.results.csv'));
      expect(results.filter((row) => row.status === 'updated')).toHaveLength(rows);
      expect(offersNotMatching(sandbox.store, rows)).toEqual([]);
      const throttled = sandbox.stats.byAnswer['429'] ?? 0;
      expect(throttled).toBeGreaterThan(0);
      expect(throttled / sandbox.stats.requests).toBeLessThan(0.1);
      const end = (await readLog(join(dir, 'offers.log.jsonl'))).find((line) => line.event === 'run_end');
      expect(end?.retries).toBe(throttled);
    },
  );
});
