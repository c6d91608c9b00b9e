import { resolveEndpoint, type CakeEndpoint } from '../cake/endpoint.js';
import { wallClock } from '../date-time.js';
import { UsageError } from '../errors.js';
import type { Guards } from '../plan/guardrails.js';
import type { BackoffOptions } from '../send/retry-delay.js';
import { KNOWN_COLUMNS, type HeaderMapping } from '../validate/columns.js';
import type { BulkOptions } from './options.js';
import { defaultOutputs } from './output-paths.js';

export interface ResolvedOptions {
  input: string;
  mode: 'apply' | 'rerun';
  dryRun: boolean;
  endpoint: CakeEndpoint | undefined;
  apiKey: string;
  out: string;
  log: string | false;
  concurrency: number;
  rate: number | undefined;
  maxAttempts: number;
  timeoutMs: number;
  skipInvalid: boolean;
  force: boolean;
  resume: boolean;
  retryBudget: number | undefined;
  breakerThreshold: number;
  delimiter: string | undefined;
  sheet: string | undefined;
  map: HeaderMapping[];
  excel: boolean;
  backoff: BackoffOptions;
  reorderWindow: number;
  /** A run that sends reads current values (unless turned off); a dry run never does. */
  readCurrent: boolean;
  guards: { maxChangePct: number | undefined; allowNegativeMargin: boolean; allowExpired: boolean };
  readPageSize: number;
}

export const DEFAULTS = {
  concurrency: 4,
  maxAttempts: 5,
  timeoutMs: 30_000,
  breakerThreshold: 10,
  maxChangePct: 50,
  readPageSize: 500,
  backoff: { baseMs: 250, capMs: 30_000, maxRetryAfterMs: 60_000 },
} as const;

/** The run's guardrails, with the wall clock read once as the run starts planning. */
export function guardsNow(o: ResolvedOptions, clock: () => Date = () => new Date()): Guards {
  return { ...o.guards, now: wallClock(clock()) };
}

/** Checks every option once and fills in defaults, so later stages see no optional values. */
export function resolveOptions(options: BulkOptions): ResolvedOptions {
  if (!options.input) throw new UsageError('no input file given');
  const mode = options.mode ?? 'apply';
  const dryRun = options.dryRun ?? false;
  const concurrency = integer('--concurrency', options.concurrency ?? DEFAULTS.concurrency, 1, 1024);
  const apiKey = (options.apiKey ?? '').trim();
  if (!dryRun) checkApiKey(apiKey);
  if (!dryRun && !options.baseUrl) {
    throw new UsageError('no CAKE base URL: pass --base-url URL or set CAKE_BASE_URL', 'E_NO_BASE_URL');
  }
  const endpoint = options.baseUrl ? resolveEndpoint(options.baseUrl) : undefined;
  if (options.delimiter !== undefined && ![',', ';', '\t', '|'].includes(options.delimiter)) {
    throw new UsageError(`--delimiter takes one of , ; tab |, not ${JSON.stringify(options.delimiter)}`);
  }
  const outputs = defaultOutputs(
    options.input,
    mode,
    dryRun,
    options.resume ?? false,
    options.force ?? false,
  );
  return {
    input: options.input,
    mode,
    dryRun,
    endpoint,
    apiKey,
    out: options.out ?? outputs.out,
    log: options.log ?? outputs.log,
    concurrency,
    rate: options.rate === undefined ? undefined : positive('--rate', options.rate),
    maxAttempts: integer('--max-attempts', options.maxAttempts ?? DEFAULTS.maxAttempts, 1, 100),
    timeoutMs: integer('--timeout', options.timeoutMs ?? DEFAULTS.timeoutMs, 1, 3_600_000),
    skipInvalid: options.skipInvalid ?? false,
    force: options.force ?? false,
    resume: options.resume ?? false,
    retryBudget:
      options.retryBudget === undefined ? undefined : integer('--retry-budget', options.retryBudget, 0, 1e9),
    breakerThreshold: integer('--breaker', options.breakerThreshold ?? DEFAULTS.breakerThreshold, 0, 1e9),
    delimiter: options.delimiter,
    sheet: options.sheet,
    map: resolveMap(options.map ?? {}),
    excel: options.excel ?? false,
    backoff: { ...DEFAULTS.backoff, ...options.backoff },
    reorderWindow: options.reorderWindow ?? Math.max(1000, concurrency * 64),
    readCurrent: !dryRun && (options.readCurrent ?? true),
    guards: {
      maxChangePct:
        options.maxChangePct === 'off'
          ? undefined
          : positive('--max-change', options.maxChangePct ?? DEFAULTS.maxChangePct),
      allowNegativeMargin: options.allowNegativeMargin ?? false,
      allowExpired: options.allowExpired ?? false,
    },
    readPageSize: integer('--read-page-size', options.readPageSize ?? DEFAULTS.readPageSize, 1, 100_000),
  };
}

/** Checks every `--map` target is a column cake-bulk knows, or `-` for a note. */
function resolveMap(map: Record<string, string>): HeaderMapping[] {
  return Object.entries(map).map(([header, target]) => {
    const field = target.trim().toLowerCase();
    if (field !== '-' && !(KNOWN_COLUMNS as readonly string[]).includes(field)) {
      throw new UsageError(
        `--map "${header}=${target}": ${JSON.stringify(target)} is not a column; use one of ${KNOWN_COLUMNS.join(', ')}, or - to keep the column as a note`,
      );
    }
    return { header, field: field as HeaderMapping['field'] };
  });
}

/** The shortest key accepted: a shorter one is a typo, and too short to scrub from server text reliably. */
const MIN_KEY_LENGTH = 8;

/** Refuses a missing or malformed key without ever quoting it. */
function checkApiKey(apiKey: string): void {
  if (apiKey === '') {
    throw new UsageError('no API key: set CAKE_API_KEY or pass --api-key-file PATH', 'E_NO_API_KEY');
  }
  if (apiKey.length < MIN_KEY_LENGTH) {
    throw new UsageError(
      `the API key is ${apiKey.length} characters long; a CAKE key is longer: check CAKE_API_KEY or --api-key-file`,
      'E_API_KEY',
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f]/.test(apiKey)) {
    throw new UsageError(
      'the API key contains a space, line break or control character; check CAKE_API_KEY or --api-key-file',
      'E_API_KEY',
    );
  }
}

function integer(flag: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not ${value}`);
  }
  return value;
}

function positive(flag: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} takes a number above 0, not ${value}`);
  }
  return value;
}
