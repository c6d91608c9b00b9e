import { classifyUpdateAnswer, updateOfferRequest } from '../cake/update-offer.js';
import { requestId, type Journal } from '../record/journal.js';
import type { LogLine } from '../record/log.js';
import type { ResultsWriter } from '../record/results-writer.js';
import { sendAttempt } from '../send/attempt.js';
import { sendRow } from '../send/send-row.js';
import { zeroCounts, type RowOutcome, type RowStatus, type SourceRow, type UpdateRequest } from '../types.js';
import { decideRow, ended, type DecideContext } from './decide-row.js';
import type { Machinery } from './machinery.js';
import type { ResolvedOptions } from './resolve-options.js';
import { PROBLEMS_KEPT, type RowProblem } from './scan-pass.js';
import { openSource } from './source-rows.js';
import type { StopPolicy } from './stop-policy.js';

export interface SendPassContext {
  o: ResolvedOptions;
  decide: DecideContext;
  /** The pool and its limits; undefined for a dry run, which sends nothing. */
  machinery: Machinery | undefined;
  stop: StopPolicy;
  writer: ResultsWriter;
  journal: Journal | undefined;
  /** The file both passes read: the input's snapshot when sending, the input itself for a dry run. */
  readFrom: string;
  logLine: LogLine;
  /** The plan found invalid or blocked rows, so without --skip-invalid nothing is sent. */
  refused: number;
  onDryRunRequest: ((row: number, request: UpdateRequest) => void) | undefined;
  onRow: ((row: SourceRow, outcome: RowOutcome) => void) | undefined;
}

export interface SendPassResult {
  counts: Record<RowStatus, number>;
  /** The first invalid or blocked rows, in file order. */
  problems: RowProblem[];
  /** Rows by error code (rows not updated), for the summary's advice. */
  codes: Record<string, number>;
  carried: number;
  reachedEnd: boolean;
  /** A results, journal or log line that could not be written (a full disk), if any. */
  writeFailure: unknown;
}

/**
 * The last pass: every row again, in order, each ending in exactly one results line. Rows carried over
 * (rerun, resume) are recorded as they were; the others are decided again (decideRow) and sent through
 * the pool, or recorded as not sent when the file is refused, the plan says so, or the run is stopping.
 */
export async function sendPass(ctx: SendPassContext): Promise<SendPassResult> {
  const { o, writer, journal, logLine, machinery: m } = ctx;
  const counts = zeroCounts();
  let carried = 0;
  const problems: RowProblem[] = [];
  const codes: Record<string, number> = {};

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
    if ((outcome.status === 'invalid' || outcome.status === 'blocked') && problems.length < PROBLEMS_KEPT) {
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
  const stopped = { outcome: undefined as RowOutcome | undefined, rows: 0, from: 0, to: 0 };

  /** Records the row, or hands it to the pool; returns the pool's promise when the row waits for a slot. */
  const handleRow = (row: SourceRow): Promise<void> | undefined => {
    // Once the run stops, the rest of the file is only recorded, as fast as it can be read: no
    // validation, no journal line, one outcome shared by every such row, one log line for all of them.
    if (
      ctx.stop.reason &&
      !(row.prior && (row.prior.status === 'updated' || row.prior.status === 'unchanged'))
    ) {
      if (!stopped.outcome) {
        const { code, message } = ctx.stop.skipped();
        stopped.outcome = ended('skipped', code, message);
        stopped.from = row.row;
      }
      counts.skipped++;
      codes[stopped.outcome.errorCode] = (codes[stopped.outcome.errorCode] ?? 0) + 1;
      writer.add(row, stopped.outcome);
      ctx.onRow?.(row, stopped.outcome);
      stopped.rows++;
      stopped.to = row.row;
      return undefined;
    }
    const decision = decideRow(row, ctx.decide);
    if (decision.kind === 'carried') {
      carried++;
      record(row, decision.outcome, undefined);
      return undefined;
    }
    if (decision.kind === 'ended') {
      // Unchanged, blocked and not-found rows were decided from values read before any update: they are
      // not journaled as attempts, and a resume decides them again from the same values.
      record(row, decision.outcome, decision.outcome.status === 'invalid' ? '' : undefined);
      return undefined;
    }
    const { request, before } = decision;
    if (o.dryRun || !m) {
      ctx.onDryRunRequest?.(row.row, request);
      record(row, { ...ended('dry_run'), before }, undefined, request);
      return undefined;
    }
    if (ctx.refused > 0) {
      const message = `not sent: ${ctx.refused} row(s) in the file are invalid or blocked; fix them or pass --skip-invalid`;
      record(row, { ...ended('skipped', 'E_FILE_HAS_INVALID_ROWS', message), before }, '');
      return undefined;
    }
    const attempt = async () => {
      const sent = await sendAttempt(
        updateOfferRequest(m.endpoint.updateOfferPath, request, o.apiKey),
        m.attemptContext,
      );
      return 'answer' in sent ? classifyUpdateAnswer(sent.answer, request, m.redact) : sent;
    };
    const id = requestId(JSON.stringify(request));
    return m.pool.submit(async () => {
      const sent = await sendRow({ row: row.row, offer_id: request.offer_id }, attempt, m.rowContext);
      m.breaker.record(
        sent.outcome.status === 'updated' ? 'success' : sent.exhausted ? 'exhausted' : 'other',
      );
      if (sent.fatal) m.stop.stop(sent.fatal);
      if (m.breaker.open) m.stop.stop('circuit');
      m.afterWrites.defer(() => record(row, { ...sent.outcome, before }, id));
    });
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
    await m?.pool.drain();
    reachedEnd = true;
  } finally {
    await m?.pool.drain().catch(() => undefined);
    m?.afterWrites.flush();
    if (stopped.rows > 0) {
      logLine({
        event: 'rows_skipped',
        from_row: stopped.from,
        to_row: stopped.to,
        rows: stopped.rows,
        status: 'skipped',
        code: stopped.outcome?.errorCode,
      });
    }
  }
  return { counts, problems, codes, carried, reachedEnd, writeFailure: m?.afterWrites.failure };
}
