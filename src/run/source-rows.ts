import { FileError } from '../errors.js';
import { restoreCell } from '../record/csv-safe.js';
import { OUTCOME_COLUMNS, parseResultRecord, trailingWidth } from '../record/results-format.js';
import { readTable, type ReadTableOptions, type TableRow } from '../read/read-table.js';
import type { SourceRow } from '../types.js';

/** The rows a run works through: the input's own columns and its rows, in batches, in order. */
export interface Source {
  /** The input's own columns, as given (for rerun: the original spreadsheet's). */
  columns: string[];
  headerLine: number;
  delimiter: string | undefined;
  sheet: string | undefined;
  /** Made the way Excel makes files: its results are written the same way (BOM, CR LF). */
  excelStyle: boolean;
  rows: AsyncGenerator<SourceRow[]>;
}

export interface SourceOptions extends ReadTableOptions {
  mode: 'apply' | 'rerun';
  /** The file to read when it is not `input` itself: the run's private snapshot of it. Errors still name `input`. */
  readFrom?: string | undefined;
}

/**
 * Opens the input as a header plus rows. `apply` reads a spreadsheet (CSV or .xlsx); `rerun` reads a
 * results file, restoring the original cells and attaching each row's earlier outcome.
 */
export async function openSource(options: SourceOptions): Promise<Source> {
  const readFrom = options.readFrom ?? options.input;
  const rename = (error: unknown) =>
    error instanceof FileError && error.file === readFrom && readFrom !== options.input
      ? new FileError(error.code, options.input, error.line, error.detail)
      : error;
  let table;
  try {
    table = await readTable({ ...options, input: readFrom });
  } catch (error) {
    throw rename(error);
  }
  const format = {
    headerLine: table.headerLine,
    delimiter: table.delimiter,
    sheet: table.sheet,
    excelStyle: table.excelStyle,
  };
  if (options.mode === 'apply') {
    return { columns: table.columns, ...format, rows: renamed(applyRows(table.rows), rename) };
  }
  const width = trailingWidth(table.columns);
  if (width === 0) {
    throw new FileError(
      'E_NOT_RESULTS',
      options.input,
      table.headerLine,
      `not a cake-bulk results file (expected a header starting with "row" and holding ${OUTCOME_COLUMNS.join(', ')} and the columns after them); use "cake-bulk apply" for a spreadsheet`,
    );
  }
  const columns = table.columns.slice(1, table.columns.length - width).map(restoreCell);
  return { columns, ...format, rows: renamed(rerunRows(table.rows, options.input, width), rename) };
}

/** The same rows, with a read error that names the snapshot put back in terms of the input. */
async function* renamed<T>(rows: AsyncGenerator<T>, rename: (error: unknown) => unknown): AsyncGenerator<T> {
  try {
    yield* rows;
  } catch (error) {
    throw rename(error);
  }
}

type TableRows = AsyncGenerator<TableRow[]>;

async function* applyRows(batches: TableRows): AsyncGenerator<SourceRow[]> {
  let seq = 0;
  for await (const items of batches) {
    const rows: SourceRow[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      rows[i] = { seq: seq++, row: item.row, cells: item.cells, cellErrors: item.cellErrors };
    }
    yield rows;
  }
}

async function* rerunRows(batches: TableRows, file: string, width: number): AsyncGenerator<SourceRow[]> {
  let seq = 0;
  for await (const items of batches) {
    const rows: SourceRow[] = [];
    for (const item of items) {
      const parsed = parseResultRecord(item.cells, width);
      if (!parsed) {
        yield rows;
        throw new FileError(
          'E_BAD_RESULTS_ROW',
          file,
          item.row,
          "this line is not a results row (its row number must be a whole number from 1, and its status one of cake-bulk's); was the file edited by hand?",
        );
      }
      rows.push({
        seq: seq++,
        row: parsed.row,
        cells: parsed.inputCells,
        prior: { status: parsed.outcome.status, record: parsed.outcome },
      });
    }
    yield rows;
  }
}
