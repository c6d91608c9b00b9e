import { checkInputFile } from '../read/input-file.js';
import { resolveOptions, type BulkOptions } from './options.js';
import { scanPass, type RowProblem } from './scan-pass.js';

/** What `planBulk` accepts: the reading options of a run. Nothing is sent or written. */
export type PlanOptions = Pick<BulkOptions, 'input' | 'mode' | 'delimiter' | 'sheet' | 'map' | 'stopSignal'>;

/** What a run of the file would do, before it does anything. */
export interface PlanResult {
  /** Data rows in the file. */
  total: number;
  /** Rows that would be sent. */
  sendable: number;
  /** Rows that are invalid (field errors and duplicate offer ids). */
  invalid: number;
  /** Rows a rerun carries over (already updated). */
  carried: number;
  /** The input's header, as given. */
  columns: string[];
  /** Every header read as a column, and how (by name, alias or --map). */
  fields: Array<{ header: string; field: string; via: 'name' | 'alias' | 'map'; currency?: string }>;
  /** Columns carried into the results untouched. */
  unknown: string[];
  /** The first invalid rows in file order. */
  problems: RowProblem[];
}

/**
 * Reads and validates the whole file as `runBulk` would before sending, and says what would happen: the
 * counts, the invalid rows, how the header was read. It writes nothing and needs no key.
 */
export async function planBulk(options: PlanOptions): Promise<PlanResult> {
  const o = resolveOptions({ ...options, dryRun: true, log: false });
  checkInputFile(o.input);
  const scan = await scanPass(o, true, options.stopSignal);
  const invalid = scan.invalid ?? 0;
  return {
    total: scan.total,
    sendable: scan.total - scan.carried - invalid,
    invalid,
    carried: scan.carried,
    columns: scan.columns.names,
    fields: scan.columns.read,
    unknown: scan.columns.unknown,
    problems: scan.problems,
  };
}
