import { setTimeout as delay } from 'node:timers/promises';
import { CakeBulkError } from '../errors.js';
import { checkInputFile } from '../read/input-file.js';
import { journalPath, type Journal } from '../record/journal.js';
import { acquireLock, lockPath } from '../record/lock.js';
import { snapshotPath, takeSnapshot, type Snapshot } from '../record/snapshot.js';
import {
  createSilentLogger,
  linesVia,
  openFileLogger,
  type FileLogger,
  type LogLine,
  type Logger,
} from '../record/log.js';
import { createResultsWriter, type ResultsWriter } from '../record/results-writer.js';
import { createAgent } from '../send/agent.js';
import type { RowStatus } from '../types.js';
import type { ColumnMap, ReadHeader } from '../validate/columns.js';
import { resolveOptions, type BulkOptions, type ResolvedOptions } from './options.js';
import { checkJournalFree, loadResume, openJournal } from './resume.js';
import { ScanStopped, scanPass, type RowProblem } from './scan-pass.js';
import { checkOutputPaths, type OutputPath } from './output-guard.js';
import { sendPass, type SendPassResult } from './send-pass.js';
import { createStopPolicy, type StopReason } from './stop-policy.js';

export type { StopReason };

/** The run's summary; the counts also appear flat for the `--json` shape. */
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
  /** The first invalid rows (row, code, message), in file order; the results file has them all. */
  problems: RowProblem[];
  /** Rows by error code, for every row not updated: what to do next follows from each code's kind. */
  codes: Record<string, number>;
  /** How the header was read: each field's column and whether by name, alias or --map. */
  columns: ReadHeader[];
}

/**
 * Applies a spreadsheet of offer updates: read, validate, send, record. Row failures are recorded, not
 * thrown; only run-level problems (options, unreadable input, unwritable output) reject.
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
    // A dry run reads its input once; a run that sends reads a private copy twice (scan, then send).
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
  let scan;
  try {
    scan = await scanPass({ ...o, readFrom }, !o.dryRun, options.stopSignal);
  } catch (error) {
    if (!(error instanceof ScanStopped)) throw error;
    throw new CakeBulkError(
      'E_STOPPED_INTERRUPTED',
      'interrupted while checking the file: nothing was sent and no results file was written',
      130,
    );
  }
  const unknown = scan.columns.unknown;
  if (unknown.length > 0) {
    // Name a few: a 10,000-column header must not make a 100 KB warning line.
    const named = unknown.slice(0, 5).join(', ');
    const more = unknown.length > 5 ? `, and ${unknown.length - 5} more (${unknown.length} in all)` : '';
    warn(`columns not used by cake-bulk, carried into the results as they are: ${named}${more}`);
  }
  for (const line of headerNotes(scan.columns)) warn(line);
  if (scan.total === 0) warn('the file has a header but no data rows: nothing to do');

  const resumed = o.resume ? loadResume(o, scan) : undefined;
  if (resumed && resumed.rejected > 0) {
    warn(
      `${resumed.rejected} line(s) of ${journalPath(o.out)} failed their checksum (edited by hand?) and were ignored: their rows are sent again`,
    );
  }
  if (!o.dryRun) checkJournalFree(o, resumed !== undefined);
  // The results file first: the output most likely to be refused (it exists, it is a link), so a refused
  // run leaves no empty log or journal behind.
  const writer: ResultsWriter = createResultsWriter({
    path: o.out,
    inputColumns: scan.columns.names,
    excel: o.excel || scan.excelStyle,
    overwrite: o.force || o.resume || (o.dryRun && o.out.endsWith('.dry-run.results.csv')),
    window: o.reorderWindow,
    resumable: !o.dryRun,
  });
  let journal: Journal | undefined;
  let ownLog: FileLogger | undefined;
  try {
    journal = o.dryRun ? undefined : openJournal(o, scan, resumed);
    ownLog = options.logger || o.log === false ? undefined : openFileLogger(o.log);
  } catch (error) {
    writer.abandon();
    journal?.close(resumed === undefined);
    throw error;
  }
  const logger: Logger = options.logger ?? ownLog?.logger ?? createSilentLogger();
  const logLine: LogLine = ownLog?.line ?? linesVia(logger);
  const ownDispatcher = !options.dispatcher && !o.dryRun;
  // A dry run sends nothing, so it gets no HTTP client at all (undici is not even loaded).
  const dispatcher = o.dryRun
    ? undefined
    : (options.dispatcher ?? (await createAgent(o.concurrency, o.timeoutMs)));

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

  const stop = createStopPolicy(options.stopSignal, options.abortSignal);
  const live = { failed: 0 };
  const onRow = options.onRow;
  const progress = setInterval(
    () => options.onProgress?.({ done: writer.written, total: scan.total, failed: live.failed }),
    500,
  );
  let pass: SendPassResult | undefined;
  try {
    pass = await sendPass({
      o,
      scan,
      writer,
      journal,
      resumed,
      readFrom,
      logLine,
      dispatcher,
      stop,
      abortSignal: options.abortSignal,
      sleep:
        options.sleep ??
        ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }).catch(() => undefined)),
      random: options.random ?? Math.random,
      now: options.now ?? (() => performance.now()),
      onDryRunRequest: options.onDryRunRequest,
      onRow: (row, outcome) => {
        if (outcome.status === 'failed') live.failed++;
        onRow?.(row, outcome);
      },
    });
  } catch (error) {
    // What was logged before the failure still reaches the file.
    ownLog?.close();
    throw error;
  } finally {
    clearInterval(progress);
    stop.close();
    if (ownDispatcher) await dispatcher?.close().catch(() => undefined);
    let complete = false;
    try {
      writer.close();
      complete =
        pass !== undefined && pass.reachedEnd && stop.reason === undefined && pass.writeFailure === undefined;
    } finally {
      // The journal goes only when the results file is complete; after a crash it is what --resume reads.
      journal?.close(complete);
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
    exitCode: exitCodeFor(stop.reason, pass.counts, scan.total, o.dryRun),
    stopped: stop.reason,
    carried: pass.carried,
    retries: pass.retries,
    throttleCuts: pass.throttleCuts,
    durationMs: Math.round(performance.now() - started),
    journal: journal && stop.reason !== undefined ? journalPath(o.out) : undefined,
    warnings,
    problems: pass.problems,
    codes: pass.codes,
    columns: scan.columns.read,
  };
  logger.info({ event: 'run_end', ...result, warnings: undefined, problems: undefined, columns: undefined });
  ownLog?.close();
  return result;
}

function exitCodeFor(
  stopped: StopReason | undefined,
  counts: Record<RowStatus, number>,
  total: number,
  dryRun: boolean,
): number {
  if (stopped === 'interrupted' || stopped === 'aborted') return 130;
  if (stopped === 'auth' || stopped === 'tls') return 2;
  if (stopped === 'circuit') return 1;
  const good = dryRun ? counts.dry_run + counts.updated : counts.updated;
  return good === total ? 0 : 1;
}

/** What the person should know about how the header was read: aliases, --map, columns left as notes. */
export function headerNotes(columns: ColumnMap): string[] {
  const notes: string[] = [];
  const read = columns.read.filter((r) => r.via !== 'name');
  if (read.length > 0) {
    const list = read.map(
      (r) =>
        `"${r.header}" as ${r.field}${r.currency ? ` (in ${r.currency}; the number is sent as written)` : ''}`,
    );
    notes.push(`read the header ${list.join(', ')}`);
  }
  for (const { header, field } of columns.shadowed) {
    notes.push(
      `"${header}" was not read as ${field}: the header has the ${field} column itself; "${header}" is carried as a note`,
    );
  }
  return notes;
}

/** Every file the run writes, as the user names it, for the same-file check. */
function outputPaths(o: ResolvedOptions): OutputPath[] {
  const paths: OutputPath[] = [{ name: '--out', path: o.out }];
  if (o.log !== false) paths.push({ name: '--log', path: o.log });
  paths.push({ name: 'the lock file', path: lockPath(o.out) });
  if (!o.dryRun) {
    paths.push({ name: 'the journal', path: journalPath(o.out) });
    paths.push({ name: 'the input snapshot', path: snapshotPath(o.out) });
  }
  return paths;
}

/** Options as logged: everything that shapes the run, never the key. */
function loggableOptions(o: ResolvedOptions): Record<string, unknown> {
  const { apiKey: _apiKey, endpoint, ...rest } = o;
  return { ...rest, endpoint: endpoint?.updateOfferUrl };
}
