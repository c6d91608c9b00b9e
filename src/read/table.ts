import type { CellError } from '../types.js';

export type { CellError };

/** What a reader yields: the header once, then the data rows, each with the sheet line it starts on. */
export type TableItem =
  | {
      type: 'header';
      columns: string[];
      line: number;
      /** The CSV delimiter in use (given or detected). */
      delimiter?: string;
      /** The worksheet read, by its name in the workbook. */
      sheet?: string;
      /** The file was made the way Excel makes files (a BOM or CR LF line ends; any workbook). */
      excelStyle?: boolean;
    }
  | { type: 'row'; row: number; cells: string[]; cellErrors?: CellError[] | undefined };

/** The largest record cake-bulk will buffer (1 MB); protects memory from a runaway quote or line. */
export const MAX_RECORD_BYTES = 1_000_000;

/** A row whose every cell is empty or white space: skipped wherever it is. */
export function isBlank(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}

/** The header's width: its cells up to the last non-empty one (at least one). */
export function trimTrailingEmpty(cells: readonly string[]): string[] {
  let end = cells.length;
  while (end > 1 && (cells[end - 1] ?? '').trim() === '') end--;
  return cells.slice(0, end);
}
