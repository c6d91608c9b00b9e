import { UsageError } from '../errors.js';
import type { CatalogEntry } from './catalog.js';
import { checkCatalogEntry } from './check-catalog-entry.js';
import { NO_FAULTS, type FaultRates } from './faults.js';

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** The key the simulator accepts; anything else is answered 401. @default 'sandbox-key' */
  apiKey?: string;
  /** Delay before every answer, reads and updates alike, in ms. @default 0 */
  latencyMs?: number;
  /** Fault shares, combined and drawn from one seeded stream that reads and updates share. @default none */
  faults?: Partial<FaultRates>;
  /** Seed for the fault stream. @default 1 */
  seed?: number;
  /** Retry-After sent with 429 answers, in seconds. @default 1 */
  retryAfterSeconds?: number;
  /** Requests per second accepted at most (token bucket); beyond it 429 with Retry-After. @default unlimited */
  maxRps?: number;
  /** Offers 1..offers exist; any other id is unknown. @default 10000000 */
  offers?: number;
  /** The older name of `offers`; give one or the other, or both with the same value. @default 10000000 */
  maxOfferId?: number;
  /**
   * Picks the seeded catalog: every offer's starting values are a pure function of this seed and its id.
   * In any seed about 20% of offers have no `expiration_date` reported, about 3% are `active` with one in
   * the past, and about 2% pay out more than their revenue. @default 1
   */
  catalogSeed?: number;
  /**
   * Exact starting values for some ids, field by field over the seeded ones (see `loadCatalogCsv`). Each
   * id must lie in 1..offers and appear once. @default []
   */
  catalog?: readonly CatalogEntry[];
  /** Payouts are stored rounded to this many decimals (a real instance's precision). @default 4 */
  payoutDecimals?: number;
  /** List Offers answers at most this many rows a page, whatever `row_limit` asks. @default 500 */
  maxRowLimit?: number;
}

export type ResolvedSandboxOptions = Required<Omit<SandboxOptions, 'maxRps' | 'maxOfferId' | 'faults'>> & {
  faults: FaultRates;
  maxRps: number | undefined;
};

/** Options with their defaults, checked once; throws a UsageError saying what was expected and given. */
export function resolveSandboxOptions(options: SandboxOptions): ResolvedSandboxOptions {
  if (
    options.offers !== undefined &&
    options.maxOfferId !== undefined &&
    options.offers !== options.maxOfferId
  ) {
    throw new UsageError(
      `Expected one of \`offers\` and \`maxOfferId\` (the same setting), got ${options.offers} and ${options.maxOfferId}`,
    );
  }
  const offers = options.offers ?? options.maxOfferId ?? 10_000_000;
  checkWholeNumber('offers', offers, 0, 2 ** 31 - 1);
  const catalog = options.catalog ?? [];
  const seen = new Set<number>();
  catalog.forEach((entry, i) => {
    const problem = checkCatalogEntry(entry);
    if (problem) {
      throw new UsageError(
        `Expected \`catalog[${i}].${problem.field}\` to be ${problem.expected}, got ${shown(entry[problem.field])}`,
      );
    }
    if (entry.offer_id > offers || seen.has(entry.offer_id)) {
      throw new UsageError(
        `Expected \`catalog[${i}].offer_id\` to be an id from 1 to ${offers} not given before, got ${entry.offer_id}`,
      );
    }
    seen.add(entry.offer_id);
  });
  const resolved: ResolvedSandboxOptions = {
    port: options.port ?? 0,
    apiKey: options.apiKey ?? 'sandbox-key',
    latencyMs: options.latencyMs ?? 0,
    faults: { ...NO_FAULTS, ...options.faults },
    seed: options.seed ?? 1,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    maxRps: options.maxRps,
    offers,
    catalogSeed: options.catalogSeed ?? 1,
    catalog,
    payoutDecimals: options.payoutDecimals ?? 4,
    maxRowLimit: options.maxRowLimit ?? 500,
  };
  checkWholeNumber('catalogSeed', resolved.catalogSeed, 0, 2 ** 32 - 1);
  checkWholeNumber('maxRowLimit', resolved.maxRowLimit, 1, Number.MAX_SAFE_INTEGER);
  return resolved;
}

/** Throws unless `value` is a whole number in min..max. */
export function checkWholeNumber(name: string, value: unknown, min: number, max: number): void {
  if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max) return;
  const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} up` : `from ${min} to ${max}`;
  throw new UsageError(`Expected \`${name}\` to be a whole number ${range}, got ${shown(value)}`);
}

function shown(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\` (${value === null ? 'null' : typeof value})`;
}
