import { describe, expect, it } from 'vitest';
import {
  AUTH_STATUSES,
  RETRYABLE_STATUSES,
  isAuthMessage,
  isThrottleMessage,
} from '../../src/cake/answer-rules.js';
import { parseRetryAfter } from '../../src/cake/classify-answer.js';

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

  it.each([
    'API Restricted',
    'API Restricted: rate limit exceeded',
    'rate limit exceeded.',
    ' Too many  requests ',
  ])('treats the whole message %j as throttling', (message) => {
    expect(isThrottleMessage(message)).toBe(true);
  });

  it.each([
    'Offer ID 5 not found',
    'Invalid payout',
    'Offer is restricted to approved affiliates',
    'Too many decimal places in payout',
    'Payout exceeds the rate limit set for this advertiser',
  ])('does not treat %j as throttling', (message) => {
    expect(isThrottleMessage(message)).toBe(false);
  });

  it.each(['Invalid API key', 'API Key Invalid.', 'invalid api_key'])(
    'treats %j as a rejected key',
    (message) => {
      expect(isAuthMessage(message)).toBe(true);
    },
  );

  it.each([
    'Field api_key_2 is not allowed on this offer',
    'bad api_key and payout',
    'Offer 5: API-Key field missing in template',
  ])('does not treat %j, which only mentions the key, as a rejected key', (message) => {
    expect(isAuthMessage(message)).toBe(false);
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
