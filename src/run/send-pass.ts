import type { Dispatcher } from 'undici';
import type { CakeEndpoint } from '../cake/endpoint.js';
import { classifyUpdateAnswer, updateOfferRequest } from '../cake/update-offer.js';
import type { Journal, JournalEntry } from '../record/journal.js';
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
import type { Scan } from './scan-pass.js';
import { openSource } from './source-rows.js';
import type { StopPolicy } from './stop-policy.js';

export interface SendPassContext {
  o: ResolvedOptions;
  scan: Scan;
  writer: ResultsWriter;
  journal: Journal | undefined;
  resumed: Map<number, JournalEntry> | undefined;
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
  const sendable = scan.total - scan.carried - (scan.invalid ?? 0) - (resumed?.size ?? 0);
  const budget = createRetryBudget(o.retryBudget ?? Math.max(100, sendable));
  const breaker = createCircuitBreaker(o.breakerThreshold);
  // A row waiting for its rate slot when the run stops will not be sent: its wait ends at once too.
  const throttle = createThrottle({ rate: o.rate, now: ctx.now, sleep: (ms) => ctx.sleep(ms, stop.signal) });
  const inFlight = trackInFlight(ctx.abortSignal ?? new AbortController().signal);
  const refused = (scan.invalid ?? 0) > 0 && !o.skipInvalid && !o.dryRun;
  // A sent row's lines (results, journal, log) are written after the next requests are on the wire.
  const afterWrites = createAfterWrites();
  const endpoint = o.endpoint as CakeEndpoint;
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
    apiKey: o.apiKey,
  };

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
    ctx.onRow?.(source, outcome);
  };
  const pool = createPool(o.concurrency);

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
    const validation = validateRow(row.cells, scan.columns, row.cellErrors);
    const others = scan.duplicates.get(row.row);
    if (!validation.ok) {
      record(row, ended('invalid', validation.code, validation.message), true);
    } else if (others) {
      const where = others.length === 1 ? `row ${others[0]}` : `rows ${others.join(', ')}`;
      const message = `offer_id ${validation.request.offer_id} is also on ${where}; keep one row per offer`;
      record(row, ended('invalid', 'E_DUPLICATE_OFFER_ID', message), true);
    } else if (o.dryRun) {
      ctx.onDryRunRequest?.(row.row, validation.request);
      record(row, ended('dry_run'), false, validation.request);
    } else if (refused) {
      const message = `not sent: ${scan.invalid ?? 0} row(s) in the file are invalid; fix them or pass --skip-invalid`;
      record(row, ended('skipped', 'E_FILE_HAS_INVALID_ROWS', message), true);
    } else if (stop.reason) {
      const { code, message } = stop.skipped();
      record(row, ended('skipped', code, message), true);
    } else {
      const request = validation.request;
      const attempt = async () => {
        const sent = await sendAttempt(
          updateOfferRequest(endpoint.updateOfferPath, request, o.apiKey),
          attemptContext,
        );
        return 'answer' in sent ? classifyUpdateAnswer(sent.answer, request, o.apiKey) : sent;
      };
      return pool.submit(async () => {
        const sent = await sendRow(row.row, request.offer_id, attempt, rowContext);
        breaker.record(
          sent.outcome.status === 'updated' ? 'success' : sent.exhausted ? 'exhausted' : 'other',
        );
        if (sent.auth) stop.stop('auth');
        if (breaker.open) stop.stop('circuit');
        afterWrites.defer(() => record(row, sent.outcome, true));
      });
    }
    return undefined;
  };

  let reachedEnd = false;
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
    reachedEnd = true;
  } finally {
    await pool.drain().catch(() => undefined);
    afterWrites.flush();
    inFlight.close();
  }
  return {
    counts,
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
