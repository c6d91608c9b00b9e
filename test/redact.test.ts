import { describe, expect, it } from 'vitest';
import { createRedactor, redactSecret } from '../src/redact.js';

const KEY = 'k3y-9f2c4e71ab0d5e6f8a1b2c3d4e5f6a7b8c9d0e1f';

describe('the key scrubber', () => {
  const redact = createRedactor(KEY);

  it('removes the whole key wherever it is', () => {
    expect(redact(`{"api_key":"${KEY}","message":"bad"}`)).toBe('{"api_key":"[REDACTED]","message":"bad"}');
  });

  it('removes any piece of 8 characters or more: a key the server cut, or split in two', () => {
    expect(redact(`echo ${KEY.slice(0, 42)}`)).toBe('echo [REDACTED]');
    expect(redact(`a ${KEY.slice(10, 18)} b ${KEY.slice(30)}`)).toBe('a [REDACTED] b [REDACTED]');
  });

  it('leaves pieces shorter than 8 characters, which cannot rebuild the key', () => {
    expect(redact(`id ${KEY.slice(0, 7)}`)).toBe(`id ${KEY.slice(0, 7)}`);
  });

  it('removes the URL-encoded and JSON-escaped forms, in any case', () => {
    const odd = 'p@ss/"w\\ord+9876';
    const scrub = createRedactor(odd);
    expect(scrub(`?api_key=${encodeURIComponent(odd)}&x=1`)).toBe('?api_key=[REDACTED]&x=1');
    expect(scrub(`?api_key=${encodeURIComponent(odd).toLowerCase()}`)).toBe('?api_key=[REDACTED]');
    expect(scrub(JSON.stringify({ k: odd }))).toBe('{"k":"[REDACTED]"}');
    expect(scrub(KEY.toUpperCase())).toBe(KEY.toUpperCase());
    expect(redact(KEY.toUpperCase())).toBe('[REDACTED]');
  });

  it('leaves ordinary text alone', () => {
    for (const text of ['Offer ID 5 not found', 'Home Insurance - AU', '', 'HTTP 503: <html>busy</html>']) {
      expect(redact(text)).toBe(text);
    }
  });

  it('is the identity without a key', () => {
    expect(redactSecret(`x ${KEY}`, undefined)).toBe(`x ${KEY}`);
  });
});
