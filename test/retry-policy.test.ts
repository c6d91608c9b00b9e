import { describe, expect, it } from 'vitest';
import {
  AUTH_MESSAGE,
  AUTH_STATUSES,
  RETRYABLE_STATUSES,
  THROTTLE_MESSAGE,
  parseRetryAfter,
  retryDelay,
} from '../src/retry-policy.js';

const BACKOFF = { baseMs: 100, capMs: 1000, maxRetryAfterMs: 5000 };

describe('which answers are retried', () => {
  it.each([408, 425, 429, 500, 502, 503, 504])('retries HTTP %i', (status) => {
    expect(RETRYABLE_STATUSES.has(status)).toBe(true);
  });

  it.each([200, 400, 401, 403, 404, 409, 422, 501])('does not retry HTTP %i', (status) => {
    expect(RETRYABLE_STATUSES.has(status)).toBe(false);
  });

  it.each([401, 403])('treats HTTP %i as a rejected key', (status) => {
    expect(AUTH_STATUSES.has(status)).toBe(true);
  });

  it.each(['API Restricted', 'rate limit exceeded', 'Too many requests, slow down'])(
    'treats the message %j as throttling',
    (message) => {
      expect(THROTTLE_MESSAGE.test(message)).toBe(true);
    },
  );

  it.each(['Offer ID 5 not found', 'Invalid payout'])('does not treat %j as throttling', (message) => {
    expect(THROTTLE_MESSAGE.test(message)).toBe(false);
  });

  it.each(['Invalid API key', 'bad api_key', 'API-Key expired'])('treats %j as a rejected key', (message) => {
    expect(AUTH_MESSAGE.test(message)).toBe(true);
  });
});

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

describe('parseRetryAfter', () => {
  const now = Date.parse('Wed, 21 Oct 2026 07:27:55 GMT');

  it.each([
    ['0', 0],
    ['7', 7000],
    [' 2 ', 2000],
    ['Wed, 21 Oct 2026 07:28:00 GMT', 5000],
    ['Wed, 21 Oct 2026 07:00:00 GMT', 0],
  ])('reads %j as %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });

  it('reads the first of repeated headers', () => {
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });

  it.each([undefined, '', '  ', 'soon'])('ignores %j', (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });
});
