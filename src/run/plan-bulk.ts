import { randomUUID } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { checkInputFile } from '../read/input-file.js';
import { currentValuesPath } from '../record/current-values.js';
import { acquireLock } from '../record/lock.js';
import { removeQuietly } from '../record/output-file.js';
import { createResultsWriter } from '../record/results-writer.js';
import { takeSnapshot } from '../record/snapshot.js';
import { createAgent } from '../send/agent.js';
import type { RowStatus } from '../types.js';
import type { ReadHeader } from '../validate/columns.js';
import { stopExitCode } from './bulk-result.js';
import { createMachinery } from './machinery.js';
import type { BulkOptions } from './options.js';
import { guardsNow, resolveOptions } from './resolve-options.js';
import { checkOutputPaths } from './output-guard.js';
import { planPass } from './plan-pass.js';
import { currentValues, lookup, scanInput } from './prepare.js';
import type { ReadReport } from './read-current.js';
import type { Review } from './review.js';
import { headerNotes, outputPaths } from './run-files.js';
import type { RowProblem } from './scan-pass.js';
import { createStopPolicy, type StopReason } from './stop-policy.js';

/**
 * What `planBulk` accepts: a run's options; `out` is the plan file. With `baseUrl` and `apiKey` it reads
 * current values (GET only: no update is ever sent); without them it plans from the cells alone.
 */
export type PlanOptions = Omit<BulkOptions, 'dryRun' | 'resume' | 'confirm' | 'onDryRunRequest' | 'log'>;

/** What a run of the file would do, before it does anything. */
export interface PlanResult {
  /** Data rows in the file. */
  total: number;
  /** Rows by what they would do: `change`, `unchanged`, `invalid`, `blocked`, `not_found` (and `failed`: not read). */
  counts: Record<RowStatus, number>;
  /** Rows that would be sent. */
  sendable: number;
  /** Rows that are invalid (field errors and duplicate offer ids). */
  invalid: number;
  /** Rows a rerun carries over (already updated or unchanged). */
  carried: number;
  /** The plan file: every row with what it would do and the offer's values before. */
  plan: string;
  /** Whether current values were read (the guardrails and `unchanged` need them). */
  readCurrent: boolean;
  reads: ReadReport | undefined;
  review: Review | undefined;
  guards: { maxChangePct: number | undefined; allowNegativeMargin: boolean; allowExpired: boolean };
  /** The input's header, as given. */
  columns: string[];
  /** Every header read as a column, and how (by name, alias or --map). */
  fields: ReadHeader[];
  /** Columns carried into the results untouched. */
  unknown: string[];
  /** The first invalid, blocked and not-found rows in file order. */
  problems: RowProblem[];
  warnings: string[];
  stopped: StopReason | undefined;
  /** 0 every row change or unchanged, 1 some invalid, blocked or not found, 2 the key was rejected, 130 stopped. */
  exitCode: number;
}

/** `payouts.csv` -> `payouts.plan.csv` beside it. */
export function defaultPlanPath(input: string): string {
  const file = basename(input);
  return join(dirname(input), `${file.slice(0, file.length - extname(file).length)}.plan.csv`);
}

/**
 * Reads and validates the whole file, reads every valid row's current values, applies the guardrails,
 * and writes the plan file: what each row would do, before anything is done. Sends no update.
 */
export async function planBulk(options: PlanOptions): Promise<PlanResult> {
  const sending = Boolean(options.baseUrl && options.apiKey) && options.readCurrent !== false;
  const o = resolveOptions({ ...options, dryRun: !sending, log: false });
  const out = options.out ?? defaultPlanPath(o.input);
  checkOutputPaths(o.input, outputPaths(o, out));
  checkInputFile(o.input);
  const lock = acquireLock(out, `cake-bulk plan ${o.input}`);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  if (lock.tookOver) warn(lock.tookOver);
  const snapshot = takeSnapshot(o.input, out);
  const stop = createStopPolicy(options.stopSignal, options.abortSignal);
  const dispatcher = sending
    ? (options.dispatcher ?? (await createAgent(o.concurrency, o.timeoutMs)))
    : undefined;
  const storePath = currentValuesPath(out);
  try {
    const scan = await scanInput({ ...o, dryRun: false }, snapshot.path, options.stopSignal);
    for (const line of headerNotes(scan.columns)) warn(line);
    const machinery = sending
      ? createMachinery(o, {
          dispatcher,
          stop,
          abortSignal: options.abortSignal,
          logLine: () => undefined,
          sleep: options.sleep,
          random: options.random,
          now: options.now,
          defaultBudget: Math.max(100, scan.total),
        })
      : undefined;
    const values = machinery
      ? await currentValues(machinery, o, scan, storePath, randomUUID(), false)
      : undefined;
    machinery?.close();
    const writer = createResultsWriter({
      path: out,
      inputColumns: scan.columns.names,
      excel: o.excel || scan.excelStyle,
      overwrite: true,
      window: o.reorderWindow,
      resumable: false,
    });
    const reader = values?.open();
    const guards = guardsNow(o, options.clock);
    let pass;
    try {
      pass = await planPass({
        o,
        decide: { scan, resumed: undefined, current: values ? lookup(reader) : undefined, guards },
        readFrom: snapshot.path,
        plan: writer,
        undo: undefined,
      });
    } finally {
      reader?.close();
      writer.close();
    }
    const bad = pass.counts.invalid + pass.counts.blocked + pass.counts.not_found + pass.counts.failed;
    return {
      total: scan.total,
      counts: pass.counts,
      sendable: pass.counts.change,
      invalid: pass.counts.invalid,
      carried: pass.carried,
      plan: out,
      readCurrent: values !== undefined,
      reads: values?.report,
      review: values ? pass.review : undefined,
      guards: o.guards,
      columns: scan.columns.names,
      fields: scan.columns.read,
      unknown: scan.columns.unknown,
      problems: pass.problems,
      warnings,
      stopped: stop.reason,
      exitCode: stopExitCode(stop.reason) ?? (bad > 0 ? 1 : 0),
    };
  } finally {
    stop.close();
    removeQuietly(storePath);
    snapshot.remove();
    lock.release();
    if (sending && !options.dispatcher) await dispatcher?.close().catch(() => undefined);
  }
}
