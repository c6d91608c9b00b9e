/**
 * cake-bulk's public API: the pipeline functions, their option and result types, the error classes and
 * the code table. Everything else is internal. The simulator is `cake-bulk/sandbox`.
 *
 * - `planBulk` validates a file, reads every valid row's current values (GET only) and writes the plan file:
 *   what each row would do, before -> after. It sends no update; without a base URL and key it only validates.
 * - `applyBulk` sends a file and reports each finished row through `onRow` as it is recorded.
 * - `runBulk` is either of a dry run or an apply, as the command line uses it.
 */
import type { BulkResult } from './run/run-bulk.js';
import { runBulk } from './run/run-bulk.js';
import type { BulkOptions } from './run/options.js';

export { runBulk, type BulkResult, type StopReason } from './run/run-bulk.js';
export { planBulk, type PlanOptions, type PlanResult } from './run/plan-bulk.js';
export type { Preview } from './run/options.js';
export type { Review, PlanChange, Move } from './run/review.js';
export type { ReadReport } from './run/read-current.js';
export type { RowProblem } from './run/scan-pass.js';
export type { BulkOptions } from './run/options.js';
export type { HeaderMapping, ReadHeader } from './validate/columns.js';
export { CakeBulkError, FileError, OutputError, UsageError, describeError } from './errors.js';
export { CODES, describeCode, type CodeKind, type ErrorCode } from './codes.js';
export type { RowOutcome, RowStatus, UpdateRequest, SourceRow, ResultOffer } from './types.js';

/** Sends the valid rows of a file (never a dry run); `onRow` sees each row as its results line is written. */
export function applyBulk(options: Omit<BulkOptions, 'dryRun'>): Promise<BulkResult> {
  return runBulk({ ...options, dryRun: false });
}
