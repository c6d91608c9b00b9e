import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { checkInputFile } from '../read/input-file.js';
import { currentValuesPath } from '../record/current-values.js';
import { journalPath } from '../record/journal.js';
import { acquireLock } from '../record/lock.js';
import { createSilentLogger, linesVia, type LogLine, type Logger } from '../record/log.js';
import { removeQuietly } from '../record/output-file.js';
import { takeSnapshot, type Snapshot } from '../record/snapshot.js';
import { undoPath, type UndoFile } from '../record/undo-file.js';
import { createAgent } from '../send/agent.js';
import { zeroCounts } from '../types.js';
import { declinedResult, exitCodeFor, type BulkResult } from './bulk-result.js';
import { openOutputs } from './open-outputs.js';
import { planStage } from './plan-stage.js';
import { createMachinery, type Machinery } from './machinery.js';
import type { BulkOptions } from './options.js';
import { guardsNow, resolveOptions, type ResolvedOptions } from './resolve-options.js';
import { checkOutputPaths } from './output-guard.js';
import { lookup, scanInput } from './prepare.js';
import { checkJournalFree, loadResume } from './resume.js';
import { headerNotes, loggableOptions, outputPaths } from './run-files.js';
import { sendPass, type SendPassResult } from './send-pass.js';
import { createStopPolicy, type StopReason } from './stop-policy.js';

export type { BulkResult, StopReason };

/**
 * Applies a spreadsheet of offer updates: read, validate, read current values, send, record. Row failures
 * are recorded, not thrown; only run-level problems (options, unreadable input, unwritable output) reject.
 */
export async function runBulk(options: BulkOptions): Promise<BulkResult> {
  const o = resolveOptions(options);
  const started = performance.now();
  checkOutputPaths(o.input, outputPaths(o));
  checkInputFile(o.input);
  const lock = acquireLock(o.out, `cake-bulk ${o.mode} ${o.input}`);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  if (lock.tookOver) warn(lock.tookOver);
  let snapshot: Snapshot | undefined;
  try {
    // A dry run reads its input once; a run that sends reads a private copy several times.
    snapshot = o.dryRun ? undefined : takeSnapshot(o.input, o.out);
    return await runLocked(o, options, snapshot?.path ?? o.input, warn, warnings, started);
  } finally {
    snapshot?.remove();
    lock.release();
  }
}

/** The run once its output set is locked and its input copied. */
async function runLocked(
  o: ResolvedOptions,
  options: BulkOptions,
  readFrom: string,
  warn: (message: string) => void,
  warnings: string[],
  started: number,
): Promise<BulkResult> {
  const scan = await scanInput(o, readFrom, options.stopSignal);
  for (const line of headerNotes(scan.columns)) warn(line);
  if (scan.total === 0) warn('the file has a header but no data rows: nothing to do');
  const resumed = o.resume ? loadResume(o, scan) : undefined;
  if (resumed && resumed.rejected > 0) {
    warn(
      `${resumed.rejected} line(s) of ${journalPath(o.out)} failed their checksum (edited by hand?) and were ignored: their rows are sent again`,
    );
  }
  if (!o.dryRun) checkJournalFree(o, resumed !== undefined);
  const runId = resumed?.runId ?? randomUUID();
  const stop = createStopPolicy(options.stopSignal, options.abortSignal);
  const ownDispatcher = !options.dispatcher && !o.dryRun;
  // A dry run sends nothing, so it gets no HTTP client at all (undici is not even loaded).
  const dispatcher = o.dryRun
    ? undefined
    : (options.dispatcher ?? (await createAgent(o.concurrency, o.timeoutMs)));
  const live = { done: 0, failed: 0 };
  const logged: Array<Record<string, unknown>> = [];
  let logLine: LogLine = (fields) => void logged.push(fields);
  const machinery: Machinery | undefined = o.dryRun
    ? undefined
    : createMachinery(o, {
        dispatcher,
        stop,
        abortSignal: options.abortSignal,
        // Read attempts happen before the log is open: their lines wait for it.
        logLine: (fields) => logLine(fields),
        sleep: options.sleep,
        random: options.random,
        now: options.now,
        defaultBudget: Math.max(100, scan.total - scan.carried - (scan.invalid ?? 0)),
      });
  const progress = setInterval(
    () => options.onProgress?.({ done: live.done, total: scan.total, failed: live.failed }),
    500,
  );
  let undo: UndoFile | undefined;
  const storePath = currentValuesPath(o.out);
  let journalOpen = false;
  try {
    const guards = guardsNow(o, options.clock);
    const staged = await planStage({
      o,
      machinery,
      scan,
      resumed,
      guards,
      readFrom,
      storePath,
      runId,
      stopped: () => stop.reason !== undefined,
    });
    const { values, plan } = staged;
    undo = staged.undo;
    const refused = plan ? plan.counts.invalid + plan.counts.blocked : (scan.invalid ?? 0);
    const sending = plan ? plan.counts.change : scan.total - scan.carried - (scan.invalid ?? 0);
    const willSend = !o.dryRun && !stop.reason && sending > 0 && (refused === 0 || o.skipInvalid);
    if (willSend && options.confirm) {
      const host = o.endpoint ? new URL(o.endpoint.origin).host : '';
      const yes = await options.confirm({
        host,
        sending,
        counts: plan?.counts ?? zeroCounts(),
        review: plan?.review,
        problems: plan?.problems ?? scan.problems,
      });
      if (!yes) {
        undo?.abandon();
        return declinedResult(o, scan.total, warnings, plan, started);
      }
    }
    const { writer, journal, ownLog } = openOutputs(o, scan, resumed, runId, options.logger);
    journalOpen = journal !== undefined;
    const logger: Logger = options.logger ?? ownLog?.logger ?? createSilentLogger();
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
    const write = ownLog?.line ?? linesVia(logger);
    for (const fields of logged.splice(0)) write(fields);
    logLine = write;
    // Written whole and synced before the first update: whatever happens next, every change has its way back.
    if (undo && willSend) undo.commit();
    else undo?.abandon();
    const undone = undo && willSend ? undo : undefined;
    undo = undefined;
    let pass: SendPassResult | undefined;
    const reader = values?.open();
    try {
      pass = await sendPass({
        o,
        decide: { scan, resumed, current: values ? lookup(reader) : undefined, guards },
        machinery,
        stop,
        writer,
        journal,
        readFrom,
        logLine: write,
        refused: o.skipInvalid ? 0 : refused,
        onDryRunRequest: options.onDryRunRequest,
        onRow: (row, outcome) => {
          live.done++;
          if (outcome.status === 'failed') live.failed++;
          options.onRow?.(row, outcome);
        },
      });
    } catch (error) {
      // What was logged before the failure still reaches the file.
      ownLog?.close();
      throw error;
    } finally {
      reader?.close();
      let complete = false;
      try {
        writer.close();
        complete =
          pass !== undefined &&
          pass.reachedEnd &&
          stop.reason === undefined &&
          pass.writeFailure === undefined;
      } finally {
        // The journal (and the values read before the first update) go only when the results file is
        // complete; after a crash they are what --resume reads.
        journal?.close(complete);
        if (complete) removeQuietly(storePath);
      }
    }
    if (pass.writeFailure !== undefined) {
      ownLog?.close();
      throw pass.writeFailure;
    }
    const result: BulkResult = {
      total: scan.total,
      ...pass.counts,
      results: o.out,
      log: o.log,
      undo: resumed && !undone && existsSync(undoPath(o.out)) ? undoPath(o.out) : undone?.path,
      exitCode: exitCodeFor(stop.reason, pass.counts, scan.total, o.dryRun),
      stopped: stop.reason,
      carried: pass.carried,
      retries: machinery?.budget.used ?? 0,
      throttleCuts: machinery?.throttle.cuts() ?? 0,
      durationMs: Math.round(performance.now() - started),
      journal: journal && stop.reason !== undefined ? journalPath(o.out) : undefined,
      warnings,
      problems: pass.problems,
      codes: pass.codes,
      columns: scan.columns.read,
      readCurrent: values !== undefined,
      reads: values?.report,
      review: plan?.review,
      unrestorable: plan?.unrestorable ?? 0,
      declined: false,
    };
    logger.info({
      event: 'run_end',
      ...result,
      warnings: undefined,
      problems: undefined,
      columns: undefined,
      review: undefined,
    });
    ownLog?.close();
    return result;
  } finally {
    undo?.abandon();
    // Values read for a run that never opened its journal can never be resumed from: they go.
    if (!journalOpen && !resumed) removeQuietly(storePath);
    clearInterval(progress);
    stop.close();
    machinery?.close();
    if (ownDispatcher) await dispatcher?.close().catch(() => undefined);
  }
}
