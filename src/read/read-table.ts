import { open } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import { FileError } from '../errors.js';
import { readCsv } from './csv/read-csv.js';
import { SNIFF_BYTES, sniffKind, unsupportedFormat, type InputKind } from './input-kind.js';
import type { CellError, TableItem } from './table.js';
import { readXlsx } from './xlsx/read-xlsx.js';

/** A table: its header, then its data rows in batches. */
export interface Table {
  /** The header row's cells, as given. */
  columns: string[];
  headerLine: number;
  /** CSV: the delimiter in use. */
  delimiter: string | undefined;
  /** .xlsx: the sheet read. */
  sheet: string | undefined;
  /** Made the way Excel makes files: a BOM or CR LF line ends, or a workbook. */
  excelStyle: boolean;
  /**
   * The data rows in order, in batches (a CSV chunk's worth): one async step per batch rather than per
   * row, which was a measurable share of every row in a dry run.
   */
  rows: AsyncGenerator<TableRow[]>;
}

/** A data row: its line (or sheet row), its cells, and the cells whose formula failed (.xlsx only). */
export interface TableRow {
  row: number;
  cells: string[];
  cellErrors?: CellError[] | undefined;
}

export interface ReadTableOptions {
  input: string;
  delimiter: string | undefined;
  sheet: string | undefined;
  /** Receives every byte read, so the caller can fingerprint the input. */
  hash?: Hash | undefined;
}

/** Opens a CSV or .xlsx file as a header plus rows; a file that is neither is refused with one line. */
export async function readTable(options: ReadTableOptions): Promise<Table> {
  const batches = await openItems(options);
  let first = await batches.next();
  while (!first.done && first.value.length === 0) first = await batches.next();
  const header = first.done ? undefined : first.value[0];
  if (header?.type !== 'header') {
    throw new FileError('E_EMPTY_FILE', options.input, undefined, 'the file is empty: expected a header row');
  }
  return {
    columns: header.columns,
    headerLine: header.line,
    delimiter: header.delimiter,
    // Until the reader names the sheet it picked, the one asked for (case does not choose a sheet).
    sheet: header.sheet ?? options.sheet?.toLowerCase(),
    excelStyle: header.excelStyle ?? header.delimiter === undefined,
    rows: dataRows(first.value!.slice(1), batches),
  };
}

async function openItems(options: ReadTableOptions): Promise<AsyncGenerator<TableItem[]>> {
  const kind = await sniffFile(options.input);
  if (kind === 'ods' || kind === 'ole') throw unsupportedFormat(kind, options.input);
  if (kind === 'xlsx') return readXlsx(options.input, { sheet: options.sheet, hash: options.hash });
  if (options.sheet !== undefined) {
    throw new FileError(
      'E_NOT_WORKBOOK',
      options.input,
      undefined,
      '--sheet only applies to .xlsx workbooks, and this is a text (CSV) file',
    );
  }
  return readCsv(options.input, { delimiter: options.delimiter, hash: options.hash });
}

async function sniffFile(path: string): Promise<InputKind> {
  let handle;
  try {
    // A directory opens fine on Linux and fails only at the read, so both sit in this one translation.
    handle = await open(path, 'r');
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniffKind(head.subarray(0, bytesRead));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new FileError('E_FILE_READ', path, undefined, `cannot read the input: ${why}`);
  } finally {
    await handle?.close();
  }
}

async function* dataRows(first: TableItem[], rest: AsyncGenerator<TableItem[]>): AsyncGenerator<TableRow[]> {
  const pick = (items: TableItem[]) => {
    const rows: TableRow[] = [];
    for (const item of items) if (item.type === 'row') rows.push(item);
    return rows;
  };
  if (first.length > 0) yield pick(first);
  for await (const items of rest) yield pick(items);
}
