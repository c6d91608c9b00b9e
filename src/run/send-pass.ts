import type { Dispatcher } from 'undici';
import type { CakeEndpoint } from '../cake/endpoint.js';
import { classifyUpdateAnswer, updateOfferRequest } from '../cake/update-offer.js';
import { requestId, type Journal } from '../record/journal.js';
import { createRedactor } from '../redact.js';
import type { LogLine } from '../record/log.js';
import type { ResultsWriter } from '../record/results-writer.js';
import { sendAttempt } from '../send/attempt.js';
import { createCircuitBreaker } from '../send/circuit-breaker.js';
import { trackInFlight } from '../send/in-flight.js';
import { createPool } from '../send/pool.js';
import { createRetryBudget } from '../send/retry-budget.js';
import { sendRow, type SendRowContext } from '../send/send-row.js';
import { createThrottle } from '../send/throttle.js';
import type { RowOutcome, RowStatus, SourceRow, UpdateRequest } from '../types.js';
import { validateRow } from '../validate/validate-row.js';
import { createAfterWrites } from './after-writes.js';
import type { ResolvedOptions } from './options.js';
import type { Resumed } from './resume.js';
import { PROBLEMS_KEPT, type RowProblem, type Scan } from './scan-pass.js';
import { openSource } from './source-rows.js';
import type { StopPolicy } from './stop-policy.js';

export interface SendPassContext {
  o: ResolvedOptions;
  scan: Scan;
  writer: ResultsWriter;
  journal: Journal | undefined;
  resumed: Resumed | undefined;
  /** The file both passes read: the input's snapshot when sending, the input itself for a dry run. */
  readFrom: string;
  logLine: LogLine;
  dispatcher: Dispatcher | undefined;
  stop: StopPolicy;
  /** Aborts requests in flight (second Ctrl-C). */
  abortSignal: AbortSignal | undefined;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
  onDryRunRequest: ((row: number, request: UpdateRequest) => void) | undefined;
  onRow: ((row: SourceRow, outcome: RowOutcome) => void) | undefined;
}

export interface SendPassResult {
  counts: Record<RowStatus, number>;
  /** The first invalid rows, in file order. */
  problems: RowProblem[];
  /** Rows by error code (rows not updated), for the summary's advice. */
  codes: Record<string, number>;
  carried: number;
  retries: number;
  throttleCuts: number;
  reachedEnd: boolean;
  /** A results, journal or log line that could not be written (a full disk), if any. */
  writeFailure: unknown;
}

/**
 * The second pass: every row again, in order, each ending in exactly one results line. Rows carried over
 * (rerun, resume) are recorded as they were; the others are validated again and sent through the pool,
 * or recorded as not sent when the file is refused or the run is stopping.
 */
export async function sendPass(ctx: SendPassContext): Promise<SendPassResult> {
  const { o, scan, writer, journal, resumed, logLine, stop } = ctx;
  const counts: Record<RowStatus, number> = { updated: 0, failed: 0, invalid: 0, skipped: 0, dry_run: 0 };
  let carried = 0;
  const problems: RowProblem[] = [];
  const codes: Record<string, number> = {};
  const sendable = scan.total - scan.carried - (scan.invalid ?? 0) - (resumed?.updated.size ?? 0);
  const budget = createRetryBudget(o.retryBudget ?? Math.max(100, sendable));
  const breaker = createCircuitBreaker(o.breakerThreshold);
  // A row waiting for its rate slot when the run stops will not be sent: its wait ends at once too.
  const throttle = createThrottle({ rate: o.rate, now: ctx.now, sleep: (ms) => ctx.sleep(ms, stop.signal) });
  const inFlight = trackInFlight(ctx.abortSignal ?? new AbortController().signal);
  const refused = (scan.invalid ?? 0) > 0 && !o.skipInvalid && !o.dryRun;
  // A sent row's lines (results, journal, log) are written after the next requests are on the wire.
  const afterWrites = createAfterWrites();
  const endpoint = o.endpoint as CakeEndpoint;
  const redact = createRedactor(o.apiKey);
  const rowContext: SendRowContext = {
    maxAttempts: o.maxAttempts,
    backoff: o.backoff,
    throttle,
    budget,
    halt: stop.signal,
    log: (fields) => afterWrites.defer(() => logLine(fields)),
    sleep: ctx.sleep,
    random: ctx.random,
    now: ctx.now,
  };
  const attemptContext = {
    dispatcher: ctx.dispatcher as Dispatcher,
    origin: endpoint?.origin,
    timeoutMs: o.timeoutMs,
    inFlight,
    redact,
  };

  /**
   * One row's results line, journal line (when `journaled` is the request's id, '' for a row with none)
   * and log line (a dry run's carries the request it would send).
   */
  const record = (
    source: SourceRow,
    outcome: RowOutcome,
    journaled: string | undefined,
    request?: UpdateRequest,
  ) => {
    counts[outcome.status]++;
    if (outcome.errorCode !== '') codes[outcome.errorCode] = (codes[outcome.errorCode] ?? 0) + 1;
    if (outcome.status === 'invalid' && problems.length < PROBLEMS_KEPT) {
      problems.push({ row: source.row, code: outcome.errorCode, message: outcome.error });
    }
    writer.add(source, outcome);
    if (journaled !== undefined) journal?.append(source.seq, source.row, journaled, outcome);
    logLine({
      event: 'row',
      row: source.row,
      status: outcome.status,
      code: outcome.errorCode || undefined,
      attempts: outcome.attempts,
      duration_ms: outcome.durationMs,
      request,
    });
    ctx.onRow?.(source, outcome);
  };
  const pool = createPool(o.concurrency);
  let stoppedOutcome: RowOutcome | undefined;
  let skippedRows = 0;
  let skippedFrom = 0;
  let skippedTo = 0;

  /** Records the row, or hands it to the pool; returns the pool's promise when the row waits for a slot. */
  const handleRow = (row: SourceRow): Promise<void> | undefined => {
    if (row.prior?.status === 'updated') {
      carried++;
      record(row, row.prior.record, undefined);
      return undefined;
    }
    // Once the run stops, the rest of the file is only recorded, as fast as it can be read: no
    // validation, no journal line, one outcome shared by every such row, one log line for all of them.
    if (stop.reason) {
      if (!stoppedOutcome) {
        const { code, message } = stop.skipped();
        stoppedOutcome = ended('skipped', code, message);
        skippedFrom = row.row;
      }
      counts.skipped++;
      codes[stoppedOutcome.errorCode] = (codes[stoppedOutcome.errorCode] ?? 0) + 1;
      writer.add(row, stoppedOutcome);
      ctx.onRow?.(row, stoppedOutcome);
      skippedRows++;
      skippedTo = row.row;
      return undefined;
    }
    const validation = validateRow(row.cells, scan.columns, row.cellErrors);
    const fromJournal = resumed?.updated.get(row.seq);
    // The journal's word is taken only for the same row asking for the same change.
    if (
      fromJournal &&
      validation.ok &&
      fromJournal.row === row.row &&
      fromJournal.request === requestId(JSON.stringify(validation.request))
    ) {
      carried++;
      record(row, fromJournal.outcome, undefined);
      return undefined;
    }
    const others = scan.duplicates.get(row.seq)?.others;
    if (!validation.ok) {
      record(row, ended('invalid', validation.code, validation.message), '');
    } else if (others) {
      const where = others.length === 1 ? `row ${others[0]}` : `rows ${others.join(', ')}`;
      const message = `offer_id ${validation.request.offer_id} is also on ${where}; keep one row per offer`;
      record(row, ended('invalid', 'E_DUPLICATE_OFFER_ID', message), '');
    } else if (o.dryRun) {
      ctx.onDryRunRequest?.(row.row, validation.request);
      record(row, ended('dry_run'), undefined, validation.request);
    } else if (refused) {
      const message = `not sent: ${scan.invalid ?? 0} row(s) in the file are invalid; fix them or pass --skip-invalid`;
      record(row, ended('skipped', 'E_FILE_HAS_INVALID_ROWS', message), '');
    } else {
      const request = validation.request;
      const attempt = async () => {
        const sent = await sendAttempt(
          updateOfferRequest(endpoint.updateOfferPath, request, o.apiKey),
          attemptContext,
        );
        return 'answer' in sent ? classifyUpdateAnswer(sent.answer, request, redact) : sent;
      };
      const id = requestId(JSON.stringify(request));
      return pool.submit(async () => {
        const sent = await sendRow(row.row, request.offer_id, attempt, rowContext);
        breaker.record(
          sent.outcome.status === 'updated' ? 'success' : sent.exhausted ? 'exhausted' : 'other',
        );
        if (sent.fatal) stop.stop(sent.fatal);
        if (breaker.open) stop.stop('circuit');
        afterWrites.defer(() => record(row, sent.outcome, id));
      });
    }
    return undefined;
  };

  let reachedEnd = false;
  try {
    const source = await openSource({ ...o, readFrom: ctx.readFrom });
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
    reachedEnd = true;
  } finally {
    await pool.drain().catch(() => undefined);
    afterWrites.flush();
    inFlight.close();
    if (skippedRows > 0) {
      logLine({
        event: 'rows_skipped',
        from_row: skippedFrom,
        to_row: skippedTo,
        rows: skippedRows,
        status: 'skipped',
        code: stoppedOutcome?.errorCode,
      });
    }
  }
  return {
    counts,
    problems,
    codes,
    carried,
    retries: budget.used,
    throttleCuts: throttle.cuts(),
    reachedEnd,
    writeFailure: afterWrites.failure,
  };
}

/** The outcome of a row that was not sent (or not sent this time). */
function ended(status: RowStatus, errorCode = '', error = ''): RowOutcome {
  return { status, errorCode, error, httpStatus: undefined, attempts: 0, durationMs: 0, offer: undefined };
}
