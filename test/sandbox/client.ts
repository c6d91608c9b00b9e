import type { TestContext } from 'vitest';
import type { Offer } from '../../src/sandbox/catalog.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';

export const KEY = 'list-test-key-3b91d0';

/** A sandbox with key KEY for this test only, closed when it finishes. */
export async function sandbox(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  json: T | undefined;
}

export interface ListAnswer {
  request_status: string;
  message?: string;
  offers: Array<{ offer: Offer }>;
  total_rows: number;
}

async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  let json: T | undefined;
  try {
    json = JSON.parse(text) as T;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** GET List Offers with KEY (or `key`, or none when null) in the query string, as CAKE clients send it. */
export async function list(
  s: Sandbox,
  params: Record<string, string | number | boolean> = {},
  options: { key?: string | null; path?: string; timeoutMs?: number } = {},
): Promise<Answer<ListAnswer>> {
  const query = new URLSearchParams();
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) query.set('api_key', key);
  for (const [name, value] of Object.entries(params)) query.set(name, String(value));
  const response = await fetch(`${s.url}${options.path ?? '/api/2/offers.json'}?${query}`, {
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  return read<ListAnswer>(response);
}

/** The offers of a List Offers answer, unwrapped; throws on anything but Success. */
export async function listed(s: Sandbox, params: Record<string, string | number | boolean> = {}) {
  const answer = await list(s, params);
  if (answer.json?.request_status !== 'Success') throw new Error(`List Offers answered ${answer.text}`);
  return { offers: answer.json.offers.map((row) => row.offer), totalRows: answer.json.total_rows };
}

/** Every offer of a filtered list, page by page. */
export async function listAll(s: Sandbox, params: Record<string, string | number> = {}, rowLimit = 500) {
  const offers: Offer[] = [];
  const totals = new Set<number>();
  for (let start = 0; ; start += rowLimit) {
    const page = await listed(s, { ...params, start_at_row: start, row_limit: rowLimit });
    totals.add(page.totalRows);
    offers.push(...page.offers);
    if (page.offers.length < rowLimit) break;
  }
  return { offers, totals: [...totals] };
}

/** POST update_offer with KEY in the body. */
export async function update(s: Sandbox, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${s.url}/api/2/update_offer.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: KEY, ...body }),
    signal: AbortSignal.timeout(5000),
  });
  return read(response);
}
