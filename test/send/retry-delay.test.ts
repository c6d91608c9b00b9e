import { describe, expect, it } from 'vitest';
import { retryDelay } from '../../src/send/retry-delay.js';

const BACKOFF = { baseMs: 100, capMs: 1000, maxRetryAfterMs: 5000 };

describe('retryDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [12, 1000],
  ])('caps attempt %i at %i ms (exponential, capped)', (attempt, ceiling) => {
    expect(retryDelay(attempt, undefined, BACKOFF, () => 0.999999)).toBe(ceiling);
  });

  it('draws the delay uniformly below the ceiling (full jitter)', () => {
    expect(retryDelay(3, undefined, BACKOFF, () => 0)).toBe(0);
    expect(retryDelay(3, undefined, BACKOFF, () => 0.5)).toBe(200);
  });

  it('waits at least the Retry-After the server asked for', () => {
    expect(retryDelay(1, 3000, BACKOFF, () => 0.5)).toBe(3000);
  });

  it('caps a long Retry-After at maxRetryAfterMs', () => {
    expect(retryDelay(1, 3_600_000, BACKOFF, () => 0.5)).toBe(5000);
  });

  it('keeps the jittered delay when it is longer than Retry-After', () => {
    expect(retryDelay(5, 10, BACKOFF, () => 0.9)).toBe(900);
  });
});
