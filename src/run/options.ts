import type { Dispatcher } from 'undici';
import type { Logger } from '../record/log.js';
import type { BackoffOptions } from '../send/retry-delay.js';
import type { RowOutcome, RowStatus, SourceRow, UpdateRequest } from '../types.js';
import type { Review } from './review.js';
import type { RowProblem } from './scan-pass.js';

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
  /** Allow a row to make an offer active whose expiration date is in the past. @default false */
  allowExpired?: boolean;
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
