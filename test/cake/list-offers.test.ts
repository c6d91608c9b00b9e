import { describe, expect, it } from 'vitest';
import { classifyListAnswer, listOffersRequest, type OffersPage } from '../../src/cake/list-offers.js';
import { createRedactor } from '../../src/redact.js';

const KEY = 'list-offers-key-4f3e2d1c';
const redact = createRedactor(KEY);
const answer = (status: number, body: unknown) =>
  classifyListAnswer(
    { status, headers: {}, text: typeof body === 'string' ? body : JSON.stringify(body) },
    redact,
  );
const page = (body: unknown): OffersPage => {
  const result = answer(200, body);
  if (result.kind !== 'success') throw new Error(`not a success: ${JSON.stringify(result)}`);
  return result.payload as OffersPage;
};

describe('the List Offers request', () => {
  it('asks for one offer by id, with the key in the query string as CAKE documents it', () => {
    const request = listOffersRequest('/api/2/offers.json', { offerId: 42 }, KEY);
    expect(request.method).toBe('GET');
    const url = new URL(request.path, 'http://x');
    expect(url.pathname).toBe('/api/2/offers.json');
    expect(Object.fromEntries(url.searchParams)).toEqual({ api_key: KEY, offer_id: '42', row_limit: '1' });
  });

  it('pages the catalog in offer id order', () => {
    const request = listOffersRequest('/base/api/2/offers.json', { startAtRow: 1000, rowLimit: 500 }, KEY);
    const url = new URL(request.path, 'http://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      api_key: KEY,
      start_at_row: '1000',
      row_limit: '500',
      sort_field: 'offer_id',
      sort_descending: 'false',
    });
  });

  it('escapes a key with characters a query string gives meaning to', () => {
    const key = 'a&b=c#d+e%f';
    const url = new URL(listOffersRequest('/p', { offerId: 1 }, key).path, 'http://x');
    expect(url.searchParams.get('api_key')).toBe(key);
    expect([...url.searchParams.keys()]).toEqual(['api_key', 'offer_id', 'row_limit']);
  });
});

describe('reading a List Offers answer', () => {
  it('reads the documented shape, and a bare offer object too', () => {
    expect(
      page({
        request_status: 'Success',
        total_rows: 2,
        offers: [
          {
            offer: {
              offer_id: 12345,
              offer_name: 'Loans - US',
              offer_status: 'active',
              vertical_id: 3,
              payout: 45,
              payout_type: 'CPA',
              revenue: 55,
            },
          },
          { offer_id: 7, offer_status: 'paused', expiration_date: '2027-01-01 00:00:00' },
        ],
      }),
    ).toEqual({
      totalRows: 2,
      offers: [
        {
          offerId: 12345,
          current: { offer_name: 'Loans - US', offer_status: 'active', payout: 45, revenue: 55 },
        },
        { offerId: 7, current: { offer_status: 'paused', expiration_date: '2027-01-01 00:00:00' } },
      ],
    });
  });

  it('takes a field of the wrong type as not reported (unknown), never as a value', () => {
    const { offers } = page({
      request_status: 'Success',
      total_rows: 1,
      offers: [{ offer: { offer_id: 1, payout: '45.00', revenue: null, offer_status: 3, offer_name: {} } }],
    });
    expect(offers[0]!.current).toEqual({});
  });

  it('reads an empty page with its total', () => {
    expect(page({ request_status: 'Success', total_rows: 0, offers: [] })).toEqual({
      offers: [],
      totalRows: 0,
    });
  });

  it.each([
    [{ request_status: 'Success', offers: [] }, 'total_rows is not a count'],
    [{ request_status: 'Success', total_rows: -1, offers: [] }, 'total_rows is not a count'],
    [{ request_status: 'Success', total_rows: 1.5, offers: [] }, 'total_rows is not a count'],
    [{ request_status: 'Success', total_rows: 1 }, 'no offers list'],
    [{ request_status: 'Success', total_rows: 1, offers: [{ offer: { offer_id: '7' } }] }, 'no offer_id'],
    [{ request_status: 'Success', total_rows: 1, offers: [{ offer: { offer_id: 0 } }] }, 'no offer_id'],
    [{ request_status: 'Success', total_rows: 1, offers: [null] }, 'no offer_id'],
  ])('retries a Success it cannot read (%j) as E_BAD_RESPONSE', (body, why) => {
    const result = answer(200, body);
    expect(result).toMatchObject({ kind: 'retryable', code: 'E_BAD_RESPONSE' });
    expect(result.kind === 'retryable' && result.message).toContain(why);
  });

  it('follows the update rules for failures: 401 stops, 503 and cut bodies retry, Failure is a rejection', () => {
    expect(answer(401, '')).toMatchObject({ kind: 'fatal', code: 'E_AUTH' });
    expect(answer(503, '<html>')).toMatchObject({ kind: 'retryable', code: 'E_HTTP_503' });
    expect(answer(200, '{"request_status":"Success","total_rows":3,"off')).toMatchObject({
      kind: 'retryable',
      code: 'E_BAD_RESPONSE',
    });
    expect(answer(200, { request_status: 'Failure', message: 'no such vertical' })).toMatchObject({
      kind: 'rejected',
      code: 'E_API_FAILURE',
    });
  });

  it('scrubs the key from what it keeps and says, whatever the server echoes', () => {
    const { offers } = page({
      request_status: 'Success',
      total_rows: 1,
      offers: [{ offer: { offer_id: 1, offer_name: `name ${KEY}`, offer_status: KEY.slice(0, 12) } }],
    });
    expect(JSON.stringify(offers)).not.toContain(KEY.slice(0, 12));
    const failed = answer(200, { request_status: 'Failure', message: `bad key api_key=${KEY}` });
    expect(JSON.stringify(failed)).not.toContain(KEY.slice(0, 8));
  });
});
