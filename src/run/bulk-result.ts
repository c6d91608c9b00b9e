import { zeroCounts, type RowStatus } from '../types.js';
import type { ReadHeader } from '../validate/columns.js';
import type { PlanPass } from './plan-pass.js';
import type { ReadReport } from './read-current.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { Review } from './review.js';
import type { RowProblem } from './scan-pass.js';
import type { StopReason } from './stop-policy.js';

/** The run's summary; the counts by status also appear flat, as the `--json` shape has them. */
export interface BulkResult extends Record<RowStatus, number> {
  total: number;
  results: string;
  log: string | false;
  /** The undo file, when one was written (current values read and rows sent). */
  undo: string | undefined;
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
  /** The first invalid or blocked rows (row, code, message), in file order; the results file has them all. */
  problems: RowProblem[];
  /** Rows by error code, for every row not updated: what to do next follows from each code's kind. */
  codes: Record<string, number>;
  /** How the header was read: each field's column and whether by name, alias or --map. */
  columns: ReadHeader[];
  /** Whether current values were read (the guardrails, `unchanged` and the undo file need them). */
  readCurrent: boolean;
  /** How they were read. */
  reads: ReadReport | undefined;
  /** The money summary of what was to change; undefined without current values. */
  review: Review | undefined;
  /** Fields the undo file cannot restore (their value before is unknown). */
  unrestorable: number;
  /** The person was asked and said no: nothing was sent. */
  declined: boolean;
}

/** The exit code a stopped run ends with, whatever its rows: undefined when it was not stopped. */
export function stopExitCode(stopped: StopReason | undefined): number | undefined {
  switch (stopped) {
    case 'interrupted':
    case 'aborted':
      return 130;
    case 'auth':
    case 'tls':
      return 2;
    case 'circuit':
      return 1;
    case undefined:
      return undefined;
  }
}

/** A run's exit code: unchanged rows count as done. */
export function exitCodeFor(
  stopped: StopReason | undefined,
  counts: Record<RowStatus, number>,
  total: number,
  dryRun: boolean,
): number {
  const byStop = stopExitCode(stopped);
  if (byStop !== undefined) return byStop;
  const good = dryRun
    ? counts.dry_run + counts.updated + counts.unchanged
    : counts.updated + counts.unchanged;
  return good === total ? 0 : 1;
}

/** The person said no: nothing was sent or written. */
export function declinedResult(
  o: ResolvedOptions,
  total: number,
  warnings: string[],
  plan: PlanPass | undefined,
  started: number,
): BulkResult {
  return {
    total,
    ...(plan?.counts ?? zeroCounts()),
    results: o.out,
    log: o.log,
    undo: undefined,
    exitCode: 1,
    stopped: undefined,
    carried: plan?.carried ?? 0,
    retries: 0,
    throttleCuts: 0,
    durationMs: Math.round(performance.now() - started),
    journal: undefined,
    warnings,
    problems: plan?.problems ?? [],
    codes: {},
    columns: [],
    readCurrent: plan !== undefined,
    reads: undefined,
    review: plan?.review,
    unrestorable: 0,
    declined: true,
  };
}
