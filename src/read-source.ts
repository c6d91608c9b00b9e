import { open } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import { FileError } from './errors.js';
import { readCsv, type TableItem } from './read-rows.js';
import { SNIFF_BYTES, sniffKind, unsupportedFormat, type InputKind } from './input-kind.js';
import { readXlsx } from './read-xlsx.js';
import { isResultHeader, parseResultRecord, TRAILING_COLUMNS } from './result-columns.js';
import { restoreCell } from './csv-safe.js';
import type { SourceRow } from './types.js';

export interface Source {
  /** The input's own columns, as given (for rerun: the original spreadsheet's). */
  columns: string[];
  headerLine: number;
  /**
   * The rows in order, in batches (a CSV chunk's worth): one async step per batch rather than per row,
   * which was ~1 µs of every row in a dry run.
   */
  rows: AsyncGenerator<SourceRow[]>;
}

export interface SourceOptions {
  input: string;
  mode: 'apply' | 'rerun';
  delimiter: string | undefined;
  sheet: string | undefined;
  hash?: Hash | undefined;
}

/**
 * Opens the input as a header plus rows. `apply` reads a spreadsheet (CSV or .xlsx); `rerun` reads a
 * results file, restoring the original cells and attaching each row's earlier outcome.
 */
export async function openSource(options: SourceOptions): Promise<Source> {
  const batches = await readTable(options);
  let first = await batches.next();
  while (!first.done && first.value.length === 0) first = await batches.next();
  const header = first.done ? undefined : first.value[0];
  if (header?.type !== 'header') {
    throw new FileError('E_EMPTY_FILE', options.input, undefined, 'the file is empty: expected a header row');
  }
  const items = prepend(first.value!.slice(1), batches);
  if (options.mode === 'apply')
    return { columns: header.columns, headerLine: header.line, rows: applyRows(items) };
  if (!isResultHeader(header.columns)) {
    throw new FileError(
      'E_NOT_RESULTS',
      options.input,
      header.line,
      `not a cake-bulk results file (expected a header starting with "row" and ending with ${TRAILING_COLUMNS.join(', ')}); use "cake-bulk apply" for a spreadsheet`,
    );
  }
  const columns = header.columns.slice(1, header.columns.length - TRAILING_COLUMNS.length).map(restoreCell);
  return { columns, headerLine: header.line, rows: rerunRows(items, options.input) };
}

async function readTable(options: SourceOptions): Promise<AsyncGenerator<TableItem[]>> {
  const kind = await sniffFile(options.input);
  if (kind === 'ods' || kind === 'ole') throw unsupportedFormat(kind, options.input);
  if (kind === 'xlsx') return singles(readXlsx(options.input, { sheet: options.sheet, hash: options.hash }));
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

/** The .xlsx reader yields one row at a time; it costs ~100 µs a row, so one step each does not matter. */
async function* singles(items: AsyncGenerator<TableItem>): AsyncGenerator<TableItem[]> {
  for await (const item of items) yield [item];
}

async function* prepend(first: TableItem[], rest: AsyncGenerator<TableItem[]>): AsyncGenerator<TableItem[]> {
  if (first.length > 0) yield first;
  yield* rest;
}

async function* applyRows(batches: AsyncGenerator<TableItem[]>): AsyncGenerator<SourceRow[]> {
  let seq = 0;
  for await (const items of batches) {
    const rows: SourceRow[] = [];
    for (const item of items)
      if (item.type === 'row') rows.push({ seq: seq++, row: item.row, cells: item.cells });
    yield rows;
  }
}

async function* rerunRows(batches: AsyncGenerator<TableItem[]>, file: string): AsyncGenerator<SourceRow[]> {
  let seq = 0;
  for await (const items of batches) {
    const rows: SourceRow[] = [];
    for (const item of items) {
      if (item.type !== 'row') continue;
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
