import type { Hash } from 'node:crypto';
import { FileError } from './errors.js';
import type { TableItem } from './read-rows.js';

export interface ReadXlsxOptions {
  sheet: string | undefined;
  hash?: Hash | undefined;
}

/** Placeholder until .xlsx reading lands: refuses clearly instead of parsing a zip as text. */
// eslint-disable-next-line require-yield
export async function* readXlsx(path: string, _options: ReadXlsxOptions): AsyncGenerator<TableItem> {
  throw new FileError(
    'E_XLSX_UNSUPPORTED',
    path,
    undefined,
    'this is an .xlsx workbook; export it as "CSV UTF-8" and give that file instead',
  );
}
