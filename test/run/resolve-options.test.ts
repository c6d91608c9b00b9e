import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/run/resolve-options.js';

const sending = { input: '/data/payouts.csv', baseUrl: 'https://admin.example.com', apiKey: 'k-1234567890' };

describe('resolving options', () => {
  it('fills in every default once, with the output files beside the input', () => {
    const o = resolveOptions(sending);
    expect(o).toMatchObject({
      mode: 'apply',
      dryRun: false,
      concurrency: 4,
      maxAttempts: 5,
      timeoutMs: 30_000,
      breakerThreshold: 10,
      out: '/data/payouts.results.csv',
      log: '/data/payouts.log.jsonl',
      endpoint: {
        origin: 'https://admin.example.com',
        updateOfferPath: '/api/2/update_offer.json',
      },
    });
    expect(o.reorderWindow).toBe(1000);
  });

  it('names the files of a dry run apart and needs no key or URL', () => {
    expect(resolveOptions({ input: '/data/p.csv', dryRun: true })).toMatchObject({
      out: '/data/p.dry-run.results.csv',
      log: '/data/p.dry-run.log.jsonl',
      endpoint: undefined,
    });
  });

  it('keeps a base path and appends the endpoint to it', () => {
    expect(
      resolveOptions({ ...sending, baseUrl: 'https://x.example.com/cake/' }).endpoint?.updateOfferPath,
    ).toBe('/cake/api/2/update_offer.json');
  });

  it('trims the key and refuses a missing, short or spaced one, never quoting it', () => {
    expect(resolveOptions({ ...sending, apiKey: '  k-1234567890\n' }).apiKey).toBe('k-1234567890');
    expect(() => resolveOptions({ ...sending, apiKey: '' })).toThrow(/no API key/);
    expect(() => resolveOptions({ ...sending, apiKey: 'short1' })).toThrow(/6 characters long/);
    expect(() => resolveOptions({ ...sending, apiKey: 'k-1234 567890' })).toThrow(/contains a space/);
  });

  it.each([
    [{ concurrency: 0 }, /--concurrency/],
    [{ maxAttempts: 101 }, /--max-attempts/],
    [{ rate: -1 }, /--rate/],
    [{ delimiter: 'x' }, /--delimiter/],
    [{ baseUrl: 'http://cake.example.com' }, /refusing http:\/\/ to cake.example.com/],
    [{ baseUrl: 'https://u:p@cake.example.com' }, /must not hold a user name or password/],
    [{ baseUrl: 'https://cake.example.com/?api_key=1' }, /without \?query or #fragment/],
  ])('refuses %j', (bad, message) => {
    expect(() => resolveOptions({ ...sending, ...bad })).toThrow(message);
  });
});
