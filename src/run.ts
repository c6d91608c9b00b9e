import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { createAfterWrites } from './after-writes.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { journalPath, type Journal } from './journal.js';
import { checkJournalFree, loadResume, openJournal } from './resume.js';
import { createSilentLogger, linesVia, openFileLogger, type LogLine, type Logger } from './logger.js';
import { resolveOptions, type BulkOptions, type ResolvedOptions } from './options.js';
import { createPool } from './pool.js';
import { openSource } from './read-source.js';
import { scanInput } from './scan-input.js';
import { sendRow, type SendRowContext } from './send-row.js';
import { trackInFlight } from './send-update.js';
import { createThrottle } from './throttle.js';
import type { RowOutcome, RowStatus, SourceRow, UpdateRequest } from './types.js';
import { validateRow } from './validate-row.js';
import { createResultsWriter, type ResultsWriter } from './write-results.js';

/** Why a run stopped before reaching the end of the file. */
export type StopReason = 'interrupted' | 'aborted' | 'auth' | 'circuit';

/** The run's summary; `counts` also appear flat for the `--json` shape. */
export interface BulkResult {
  total: number;
  updated: number;
  failed: number;
  invalid: number;
  skipped: number;
  dry_run: number;
  results: string;
  log: string | false;
  /** 0 all rows ok, 1 some rows not updated (or the circuit opened), 2 the key was rejected, 130 interrupted. */
  exitCode: number;
  stopped: StopReason | undefined;
  /** Rows carried over from an earlier run (rerun or resume) without being sent. */
  carried: number;
  retries: number;
  throttleCuts: number;
  durationMs: number;
  /** Set when the journal was kept so the run can be resumed. */
  journal: string | undefined;
  warnings: string[];
}

const STOP_MESSAGES: Record<StopReason, string> = {
  interrupted: 'not sent: the run was interrupted; continue it with --resume',
  aborted: 'not sent: the run was aborted; continue it with --resume',
  auth: 'not sent: the API rejected the key, so the run stopped',
  circuit:
    'not sent: the server kept failing, so the run stopped (circuit breaker); continue it with --resume',
};
/** One code per reason, the same whether the row waited in the reader or in the pool. */
const stopCode = (reason: StopReason) => `E_STOPPED_${reason.toUpperCase()}`;

/**
 * Applies a spreadsheet of offer updates: read, validate, send, record. Row failures are recorded, not
 * thrown; only run-level problems (options, unreadable input, unwritable output) reject.
 */
export async function runBulk(options: BulkOptions): Promise<BulkResult> {
  const o = resolveOptions(options);
  const started = performance.now();
  const scan = await scanInput(o, !o.dryRun);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  if (scan.columns.unknown.length > 0) {
    warn(
      `columns not used by cake-bulk, carried into the results as they are: ${scan.columns.unknown.join(', ')}`,
    );
  }
  if (scan.total === 0) warn('the file has a header but no data rows: nothing to do');

  const resumed = o.resume ? loadResume(o, scan) : undefined;
  if (!o.dryRun) checkJournalFree(o, resumed !== undefined);
  const ownLog = options.logger || o.log === false ? undefined : openFileLogger(o.log);
  const logger: Logger = options.logger ?? ownLog?.logger ?? createSilentLogger();
  const logLine: LogLine = ownLog?.line ?? linesVia(logger);
  let writer: ResultsWriter;
  let journal: Journal | undefined;
  try {
    writer = createResultsWriter({
      path: o.out,
      inputColumns: scan.columns.names,
      excel: o.excel,
      overwrite: o.force || o.resume || (o.dryRun && o.out.endsWith('.dry-run.results.csv')),
      window: o.reorderWindow,
    });
    journal = o.dryRun ? undefined : openJournal(o, scan, resumed !== undefined);
  } catch (error) {
    ownLog?.close();
    throw error;
  }
  const ownDispatcher = !options.dispatcher && !o.dryRun;
  // A dry run sends nothing, so it gets no HTTP client at all (undici is not even loaded: ~20 MB).
  const dispatcher = o.dryRun ? undefined : (options.dispatcher ?? (await createAgent(o)));

  logger.info({
    event: 'run_start',
    mode: o.mode,
    dry_run: o.dryRun,
    input: o.input,
    input_sha256: scan.sha256,
    rows: scan.total,
    invalid: scan.invalid,
    resume: o.resume,
    options: loggableOptions(o),
  });

  const counts: Record<RowStatus, number> = { updated: 0, failed: 0, invalid: 0, skipped: 0, dry_run: 0 };
  let carried = 0;
  let retries = 0;
  let stopped: StopReason | undefined;
  const sendable = scan.total - scan.carried - (scan.invalid ?? 0) - (resumed?.size ?? 0);
  const retryBudget = o.retryBudget ?? Math.max(100, sendable);
  const breaker = createCircuitBreaker(o.breakerThreshold);
  const now = options.now ?? (() => performance.now());
  const haltSignal = AbortSignal.any(
    [options.stopSignal, options.abortSignal].filter((s): s is AbortSignal => s !== undefined),
  );
  const sleep =
    options.sleep ??
    ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined));
  // A row waiting for its rate slot when the run stops will not be sent: its wait ends at once too.
  const throttle = createThrottle({ rate: o.rate, now, sleep: (ms) => sleep(ms, haltSignal) });
  const neverAborted = new AbortController().signal;
  const inFlight = trackInFlight(options.abortSignal ?? neverAborted);
  const blocked = (scan.invalid ?? 0) > 0 && !o.skipInvalid && !o.dryRun;
  // A sent row's lines (results, journal, log) are written after the next requests are on the wire.
  const afterWrites = createAfterWrites();

  const stopNow = (): StopReason | undefined => {
    if (!stopped && options.abortSignal?.aborted) stopped = 'aborted';
    if (!stopped && options.stopSignal?.aborted) stopped = 'interrupted';
    return stopped;
  };
  const ctx: SendRowContext | undefined =
    o.endpoint && dispatcher
      ? {
          ...splitEndpoint(o.endpoint),
          apiKey: o.apiKey,
          dispatcher,
          timeoutMs: o.timeoutMs,
          maxAttempts: o.maxAttempts,
          backoff: o.backoff,
          throttle,
          log: (fields) => afterWrites.defer(() => logLine(fields)),
          sleep,
          random: options.random ?? Math.random,
          now,
          inFlight,
          haltSignal,
          takeRetry: () => (retries < retryBudget ? (retries++, true) : false),
          stopReason: () => {
            const reason = stopNow() ?? (breaker.open ? 'circuit' : undefined);
            return reason
              ? { code: stopCode(reason), reason: STOP_MESSAGES[reason].replace(/^not sent: /, '') }
              : undefined;
          },
        }
      : undefined;

  const record = (source: SourceRow, outcome: RowOutcome, journaled: boolean, request?: UpdateRequest) => {
    counts[outcome.status]++;
    writer.add(source, outcome);
    if (journaled) journal?.append(source.seq, source.row, outcome);
    logLine({
      event: 'row',
      row: source.row,
      status: outcome.status,
      code: outcome.errorCode || undefined,
      attempts: outcome.attempts,
      duration_ms: outcome.durationMs,
      request,
    });
  };
  const progress = setInterval(() => options.onProgress?.({ done: writer.written, total: scan.total }), 500);
  const pool = createPool(o.concurrency);
  let reachedEnd = false;

  /** Records the row, or hands it to the pool; returns the pool's promise when the row waits for a slot. */
  const handleRow = (row: SourceRow): Promise<void> | undefined => {
    if (row.prior?.status === 'updated') {
      carried++;
      record(row, row.prior.record, false);
      return undefined;
    }
    const fromJournal = resumed?.get(row.seq);
    if (fromJournal) {
      carried++;
      record(row, fromJournal.outcome, false);
      return undefined;
    }
    const validation = validateRow(row.cells, scan.columns);
    const others = scan.duplicates.get(row.row);
    if (!validation.ok) {
      record(row, ended('invalid', validation.code, validation.message), true);
    } else if (others) {
      const where = others.length === 1 ? `row ${others[0]}` : `rows ${others.join(', ')}`;
      const message = `offer_id ${validation.request.offer_id} is also on ${where}; keep one row per offer`;
      record(row, ended('invalid', 'E_DUPLICATE_OFFER_ID', message), true);
    } else if (o.dryRun) {
      options.onDryRunRequest?.(row.row, validation.request);
      record(row, ended('dry_run'), false, validation.request);
    } else if (blocked) {
      const message = `not sent: ${scan.invalid ?? 0} row(s) in the file are invalid; fix them or pass --skip-invalid`;
      record(row, ended('skipped', 'E_FILE_HAS_INVALID_ROWS', message), true);
    } else if (stopNow() || breaker.open) {
      if (!stopped && breaker.open) stopped = 'circuit';
      record(row, ended('skipped', stopCode(stopped!), STOP_MESSAGES[stopped!]), true);
    } else {
      const request = validation.request;
      return pool.submit(async () => {
        const sent = await sendRow(row.row, request, ctx!);
        breaker.record(
          sent.outcome.status === 'updated' ? 'success' : sent.exhausted ? 'exhausted' : 'other',
        );
        if (sent.auth) stopped ??= 'auth';
        afterWrites.defer(() => record(row, sent.outcome, true));
      });
    }
    return undefined;
  };

  try {
    const source = await openSource(o);
    for await (const rows of source.rows) {
      for (const row of rows) {
        // Waits only when the reorder window or the pool is full.
        const room = writer.waitForRoom(row.seq);
        if (room) await room;
        const slot = handleRow(row);
        if (slot) await slot;
      }
    }
    await pool.drain();
    if (!stopped && breaker.open) stopped = 'circuit';
    reachedEnd = true;
  } catch (error) {
    // What was logged before the failure still reaches the file.
    ownLog?.close();
    throw error;
  } finally {
    clearInterval(progress);
    await pool.drain().catch(() => undefined);
    afterWrites.flush();
    inFlight.close();
    if (ownDispatcher) await dispatcher?.close().catch(() => undefined);
    let complete = false;
    try {
      writer.close();
      complete = reachedEnd && stopped === undefined && afterWrites.failure === undefined;
    } finally {
      // The journal goes only when the results file is complete; after a crash it is what --resume reads.
      journal?.close(complete);
    }
  }
  if (afterWrites.failure !== undefined) {
    ownLog?.close();
    throw afterWrites.failure;
  }

  const result: BulkResult = {
    total: scan.total,
    ...counts,
    results: o.out,
    log: o.log,
    exitCode: exitCodeFor(stopped, counts, scan.total, o.dryRun),
    stopped,
    carried,
    retries,
    throttleCuts: throttle.cuts(),
    durationMs: Math.round(performance.now() - started),
    journal: journal && stopped !== undefined ? journalPath(o.out) : undefined,
    warnings,
  };
  logger.info({ event: 'run_end', ...result, warnings: undefined });
  ownLog?.close();
  return result;
}

/** The outcome of a row that was not sent (or not sent this time). */
function ended(status: RowStatus, errorCode = '', error = ''): RowOutcome {
  return { status, errorCode, error, httpStatus: undefined, attempts: 0, durationMs: 0, offer: undefined };
}

function exitCodeFor(
  stopped: StopReason | undefined,
  counts: Record<RowStatus, number>,
  total: number,
  dryRun: boolean,
): number {
  if (stopped === 'interrupted' || stopped === 'aborted') return 130;
  if (stopped === 'auth') return 2;
  if (stopped === 'circuit') return 1;
  const good = dryRun ? counts.dry_run + counts.updated : counts.updated;
  return good === total ? 0 : 1;
}

/** Keep-alive connections, never more than the pool's concurrency. */
async function createAgent(o: ResolvedOptions): Promise<Dispatcher> {
  const { Agent } = await import('undici');
  return new Agent({
    connections: o.concurrency,
    keepAliveTimeout: 30_000,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connect: { timeout: Math.min(o.timeoutMs, 10_000) },
  });
}

function splitEndpoint(endpoint: string): { origin: string; path: string } {
  const url = new URL(endpoint);
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

/** Options as logged: everything that shapes the run, never the key. */
function loggableOptions(o: ResolvedOptions): Record<string, unknown> {
  const { apiKey: _apiKey, ...rest } = o;
  return rest;
}
