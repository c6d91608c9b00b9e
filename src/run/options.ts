import type { Dispatcher } from 'undici';
import { resolveEndpoint, type CakeEndpoint } from '../cake/endpoint.js';
import { UsageError } from '../errors.js';
import { KNOWN_COLUMNS, type HeaderMapping } from '../validate/columns.js';
import type { Logger } from '../record/log.js';
import type { BackoffOptions } from '../send/retry-delay.js';
import type { RowOutcome, RowStatus, SourceRow, UpdateRequest } from '../types.js';
import type { Review } from './review.js';
import type { RowProblem } from './scan-pass.js';
import { defaultOutputs } from './output-paths.js';

/** Everything `runBulk` accepts. Only `input` is required; see each field for its default. */
export interface BulkOptions {
  /** The spreadsheet (`apply`) or results file (`rerun`) to read. */
  input: string;
  /** `apply` reads a spreadsheet; `rerun` reads a results file and sends only what did not succeed. @default 'apply' */
  mode?: 'apply' | 'rerun';
  /** Validate and record what would be sent; open no connection. @default false */
  dryRun?: boolean;
  /** CAKE admin base URL, e.g. `https://admin.example.com`. Required unless dryRun. */
  baseUrl?: string;
  /** API key. Required unless dryRun. Never logged or printed. */
  apiKey?: string;
  /** Results CSV. @default `<input-stem>.results.csv` beside the input (`.dry-run.results.csv` for a dry run, `.rerun-N.results.csv` for rerun) */
  out?: string;
  /** JSON-lines log, appended to; `false` for none. @default `<input-stem>.log.jsonl` beside the input */
  log?: string | false;
  /** Requests in flight at most (and connections opened at most). @default 4 */
  concurrency?: number;
  /** Requests per second across the pool at most. @default undefined (unlimited) */
  rate?: number;
  /** Attempts per row, the first included. @default 5 */
  maxAttempts?: number;
  /** Limit for one attempt (connect, headers and body), in ms. @default 30000 */
  timeoutMs?: number;
  /** Send the valid rows even when some rows are invalid. @default false */
  skipInvalid?: boolean;
  /** Overwrite an existing results file and journal. @default false */
  force?: boolean;
  /** Continue an interrupted run from its journal. @default false */
  resume?: boolean;
  /** Retries allowed across the whole run. @default the number of rows to send (at least 100) */
  retryBudget?: number;
  /** Rows in a row that exhaust their retries before the run stops; 0 disables. @default 10 */
  breakerThreshold?: number;
  /** Field delimiter. @default detected from the header line */
  delimiter?: string;
  /** Worksheet to read from an .xlsx file. @default the first sheet */
  sheet?: string;
  /**
   * Headers read as a field (`{ "New Payout": "payout" }`) or kept as a note (`"-"`), for headers the
   * aliases do not cover. @default {}
   */
  map?: Record<string, string>;
  /**
   * Write the results with a UTF-8 BOM and CRLF, for Excel, whatever the input. Without it the results
   * follow the input: a BOM or CRLF there (or a workbook) gives both. @default false
   */
  excel?: boolean;
  /** Retry backoff. @default { baseMs: 250, capMs: 30000, maxRetryAfterMs: 60000 } */
  backoff?: Partial<BackoffOptions>;
  /** Where results rows wait to be written in order at most. @default max(1000, concurrency * 64) */
  reorderWindow?: number;
  /** HTTP dispatcher; one is created (and closed) per run when omitted. */
  dispatcher?: Dispatcher;
  /** Logger; when given, `log` is only reported, not opened. */
  logger?: Logger;
  /** Waits between retries and for the rate limit; should resolve early when `signal` fires. @default setTimeout-based */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Clock in ms. @default performance.now */
  now?: () => number;
  /** Stop starting rows; in-flight rows finish (first Ctrl-C). */
  stopSignal?: AbortSignal;
  /** Abort in-flight requests too (second Ctrl-C). */
  abortSignal?: AbortSignal;
  /** Called with every request a dry run would send, in input order. */
  onDryRunRequest?: (row: number, request: UpdateRequest) => void;
  /** Called with a one-line warning (unknown columns and the like). */
  onWarning?: (message: string) => void;
  /** Called about twice a second with progress: rows recorded so far, rows in all, rows failed so far. */
  onProgress?: (progress: { done: number; total: number; failed: number }) => void;
  /** Called with every row as its results line is written, in input order. */
  onRow?: (row: SourceRow, outcome: RowOutcome) => void;
  /**
   * Read every valid row's offer from List Offers before sending, to skip what is unchanged, check the
   * guardrails and write the undo file. A dry run never reads. @default true
   */
  readCurrent?: boolean;
  /**
   * Block a payout or revenue change larger than this percent of its current value (and any change from
   * or to 0); `'off'` turns the guard off. @default 50
   */
  maxChangePct?: number | 'off';
  /** Allow a change that leaves an offer paying out more than it earns. @default false */
  allowNegativeMargin?: boolean;
  /** Offers asked for in one List Offers page. @default 500 */
  readPageSize?: number;
  /** The wall clock an expiration date is compared with. @default () => new Date() */
  clock?: () => Date;
  /**
   * Asked once the plan is known and before anything is sent (the CLI asks the person on a terminal);
   * nothing is sent unless it resolves true. @default send without asking
   */
  confirm?: (preview: Preview) => boolean | Promise<boolean>;
}

/** What `confirm` is shown: where the updates go and what they would do. */
export interface Preview {
  /** The CAKE host the updates go to. */
  host: string;
  /** Rows that would be sent. */
  sending: number;
  counts: Record<RowStatus, number>;
  review: Review | undefined;
  problems: RowProblem[];
}

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
  guards: { maxChangePct: number | undefined; allowNegativeMargin: boolean };
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
