import { readTable } from '../read/read-table.js';
import { restoreCell } from '../record/csv-safe.js';

/** One page of a plan or results file, as records keyed by column name. */
export interface TablePage {
  columns: string[];
  rows: Array<Record<string, string>>;
  /** From 1. */
  page: number;
  pageSize: number;
  hasNext: boolean;
}

export interface TablePageOptions {
  /** Only rows with one of these statuses; all rows when empty. */
  statuses: readonly string[];
  page: number;
  pageSize: number;
}

/**
 * Reads one page of a plan or results CSV, streaming from the top and stopping once the page is full:
 * the file is never held whole, however long it is.
 */
export async function readTablePage(path: string, options: TablePageOptions): Promise<TablePage> {
  const table = await readTable({ input: path, delimiter: ',', sheet: undefined });
  const columns = table.columns.map(restoreCell);
  const statusAt = columns.lastIndexOf('status');
  const skip = (options.page - 1) * options.pageSize;
  const rows: Array<Record<string, string>> = [];
  let matched = 0;
  let hasNext = false;
  try {
    outer: for await (const batch of table.rows) {
      for (const { cells } of batch) {
        if (options.statuses.length > 0 && !options.statuses.includes(cells[statusAt] ?? '')) continue;
        matched++;
        if (matched <= skip) continue;
        if (rows.length === options.pageSize) {
          hasNext = true;
          break outer;
        }
        const record: Record<string, string> = {};
        columns.forEach((name, i) => (record[name] = restoreCell(cells[i] ?? '')));
        rows.push(record);
      }
    }
  } finally {
    await table.rows.return(undefined);
  }
  return { columns, rows, page: options.page, pageSize: options.pageSize, hasNext };
}
