/**
 * cake-bulk's public API: the pipeline functions, their option and result types, the error classes and
 * the code table. Everything else is internal. The simulator is `cake-bulk/sandbox`.
 */
export { runBulk, type BulkResult, type StopReason } from './run/run-bulk.js';
export type { BulkOptions } from './run/options.js';
export { CakeBulkError, FileError, OutputError, UsageError, describeError } from './errors.js';
export { CODES, describeCode, type CodeKind, type ErrorCode } from './codes.js';
export type { RowOutcome, RowStatus, UpdateRequest, SourceRow, ResultOffer } from './types.js';
