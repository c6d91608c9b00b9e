import { describe, expect, it } from 'vitest';
import { classifyAnswer } from '../../src/cake/classify-answer.js';
import { createRedactor } from '../../src/redact.js';
import type { HttpAnswer } from '../../src/types.js';

const KEY = 'classify-key-0a9b8c7d6e';
const redact = createRedactor(KEY);
const classify = (status: number, text: string, headers: HttpAnswer['headers'] = {}) =>
  classifyAnswer({ status, headers, text }, redact);

describe('classifying a CAKE answer', () => {
  it('takes a 200 as a success only with request_status Success, unwrapping the ASP.NET "d"', () => {
    expect(classify(200, '{"request_status":"Success","offer":{}}')).toMatchObject({ kind: 'success' });
    expect(classify(200, '{"d":{"request_status":"Success"}}')).toMatchObject({ kind: 'success' });
    expect(classify(200, '{"request_status":"Failure","message":"Offer 9 not found"}')).toEqual({
      kind: 'rejected',
      code: 'E_API_FAILURE',
      message: 'Offer 9 not found',
      httpStatus: 200,
    });
  });

  it.each([
    [200, 'not json', 'E_BAD_RESPONSE'],
    [200, '{"offer":{}}', 'E_BAD_RESPONSE'],
    [200, '[1,2]', 'E_BAD_RESPONSE'],
    [503, '<html>down</html>', 'E_HTTP_503'],
    [429, '', 'E_HTTP_429'],
    [200, '{"request_status":"Failure","message":"API Restricted: rate limit exceeded"}', 'E_THROTTLED'],
  ])('retries HTTP %i with %j as %s', (status, text, code) => {
    expect(classify(status, text)).toMatchObject({ kind: 'retryable', code });
  });

  it.each([
    [401, '', 'E_AUTH'],
    [403, '', 'E_AUTH'],
    [200, '{"request_status":"Failure","message":"Invalid API key"}', 'E_AUTH'],
  ])('stops the run on HTTP %i %j (%s)', (status, text, code) => {
    expect(classify(status, text)).toMatchObject({ kind: 'fatal', code });
  });

  it.each([400, 404, 409, 422, 501])('does not retry HTTP %i', (status) => {
    expect(classify(status, 'nope')).toMatchObject({ kind: 'rejected', code: `E_HTTP_${status}` });
  });

  it('reads Retry-After into the retry and marks a 429 as throttled', () => {
    expect(classify(429, '', { 'retry-after': '7' })).toMatchObject({ retryAfterMs: 7000, throttled: true });
    expect(classify(503, '', { 'retry-after': '2' })).toMatchObject({ retryAfterMs: 2000, throttled: false });
  });

  it('scrubs the key from a body before cutting it to a snippet, so no piece survives the cut', () => {
    const result = classify(500, `${'x'.repeat(110)}${KEY}`);
    expect(result).toMatchObject({ code: 'E_HTTP_500' });
    const message = (result as { message: string }).message;
    for (let i = 0; i + 8 <= KEY.length; i++) expect(message).not.toContain(KEY.slice(i, i + 8));
  });

  it('keeps one line of at most 500 characters of a server message, scrubbed', () => {
    const result = classify(
      200,
      JSON.stringify({ request_status: 'Failure', message: `bad\n${'y'.repeat(900)} ${KEY}` }),
    );
    const message = (result as { message: string }).message;
    expect(message.startsWith('bad y')).toBe(true);
    expect(message.length).toBeLessThanOrEqual(503);
    expect(message).not.toContain(KEY.slice(0, 8));
  });
});
