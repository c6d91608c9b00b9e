/** Share of requests (0..1) that get each fault. They are drawn in this order from one seeded random stream. */
export interface FaultRates {
  /** HTTP 503, nothing applied. */
  http503: number;
  /** HTTP 429 with Retry-After, nothing applied. */
  http429: number;
  /** Connection reset before the update is applied. */
  reset: number;
  /** Connection reset after the update is applied (the client cannot know it worked). */
  resetAfterApply: number;
  /** Never answers; the client must time out. Nothing applied. */
  hang: number;
  /** Applies the update, then answers 200 with a body that is not JSON. */
  malformed: number;
  /** HTTP 200 with a CAKE throttling message, nothing applied. */
  throttleMessage: number;
}

export type Fault = keyof FaultRates | 'none';

export const NO_FAULTS: FaultRates = {
  http503: 0,
  http429: 0,
  reset: 0,
  resetAfterApply: 0,
  hang: 0,
  malformed: 0,
  throttleMessage: 0,
};

/** mulberry32: a tiny seeded generator, so a fault pattern can be replayed exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickFault(rates: FaultRates, random: () => number): Fault {
  let draw = random();
  for (const fault of Object.keys(NO_FAULTS) as Array<keyof FaultRates>) {
    draw -= rates[fault];
    if (draw < 0) return fault;
  }
  return 'none';
}
