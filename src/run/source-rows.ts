import { FileError } from '../errors.js';
import { restoreCell } from '../record/csv-safe.js';
import { isResultHeader, parseResultRecord, TRAILING_COLUMNS } from '../record/results-format.js';
import { readTable, type ReadTableOptions, type TableRow } from '../read/read-table.js';
import type { SourceRow } from '../types.js';

/** The rows a run works through: the input's own columns and its rows, in batches, in order. */
export interface Source {
  /** The input's own columns, as given (for rerun: the original spreadsheet's). */
  columns: string[];
  headerLine: number;
  rows: AsyncGenerator<SourceRow[]>;
}

export interface SourceOptions extends ReadTableOptions {
  mode: 'apply' | 'rerun';
}

/**
 * Opens the input as a header plus rows. `apply` reads a spreadsheet (CSV or .xlsx); `rerun` reads a
 * results file, restoring the original cells and attaching each row's earlier outcome.
 */
export async function openSource(options: SourceOptions): Promise<Source> {
  const table = await readTable(options);
  if (options.mode === 'apply') {
    return { columns: table.columns, headerLine: table.headerLine, rows: applyRows(table.rows) };
  }
  if (!isResultHeader(table.columns)) {
    throw new FileError(
      'E_NOT_RESULTS',
      options.input,
      table.headerLine,
      `not a cake-bulk results file (expected a header starting with "row" and ending with ${TRAILING_COLUMNS.join(', ')}); use "cake-bulk apply" for a spreadsheet`,
    );
  }
  const columns = table.columns.slice(1, table.columns.length - TRAILING_COLUMNS.length).map(restoreCell);
  return { columns, headerLine: table.headerLine, rows: rerunRows(table.rows, options.input) };
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

async function* rerunRows(batches: TableRows, file: string): AsyncGenerator<SourceRow[]> {
  let seq = 0;
  for await (const items of batches) {
    const rows: SourceRow[] = [];
    for (const item of items) {
      const parsed = parseResultRecord(item.cells);
      if (!parsed) {
        yield rows;
        throw new FileError(
          'E_BAD_RESULTS_ROW',
          file,
          item.row,
          'this line is not a results row (its row number or status is missing); was the file edited by hand?',
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
