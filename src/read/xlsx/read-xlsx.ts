import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Hash } from 'node:crypto';
import type { Row, stream as ExcelStream } from 'exceljs';
import { FileError } from '../../errors.js';
import { MAX_RECORD_BYTES, trimTrailingEmpty, type TableItem } from '../table.js';
import { cellText, columnName, type CellContext } from './cells.js';
import { readZipDirectory, zipStream, type ZipEntry, type ZipPart } from './zip-entries.js';

export interface ReadXlsxOptions {
  /** Worksheet to read, matched ignoring case. @default the first visible sheet */
  sheet: string | undefined;
  /** Receives every byte of the file, so the caller can fingerprint the input. */
  hash?: Hash | undefined;
}

type WorksheetReader = ExcelStream.xlsx.WorksheetReader & { name: string };
/** What exceljs learns from xl/workbook.xml; not in its type declarations. */
interface WorkbookInternals {
  model?: { sheets?: Array<{ name: string; state?: string }> };
  properties?: { model?: { date1904?: boolean } };
}

const WORKSHEET = /^xl\/worksheets\/sheet\d+\.xml$/;
const EMPTY_STRINGS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
);

/**
 * Streams the rows of one sheet of an .xlsx workbook, as text cells like a CSV export of the sheet would
 * hold (see xlsx-cells.ts). `row` is the sheet's own row number; the header is the first non-blank row.
 */
export async function* readXlsx(path: string, options: ReadXlsxOptions): AsyncGenerator<TableItem> {
  if (options.hash) await hashFile(path, options.hash);
  const parts = await workbookParts(path);
  // Loaded on demand: exceljs is large, and CSV runs (the common case) never need it.
  const { default: ExcelJS } = await import('exceljs');
  // exceljs's streaming reader handles each zip entry as it arrives, so the order matters: given the
  // workbook, styles and strings before the sheets it streams a sheet directly, with its name and date
  // formats known. Producers store entries in different orders, so the zip is re-streamed in this one.
  const input = Readable.from(zipStream(path, parts, true));
  const failed = watchUnzip(input);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    styles: 'cache',
    worksheets: 'emit',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const book = reader as unknown as WorkbookInternals;
  const sheets = reader[Symbol.asyncIterator]();
  let found: string | undefined;
  try {
    while (found === undefined) {
      const next = await Promise.race([sheets.next(), failed]);
      if (next.done) break;
      const sheet = next.value as WorksheetReader;
      const wanted = options.sheet ?? firstSheet(book);
      // A sheet that is not read is drained by exceljs when it moves on.
      if (wanted === undefined || sheet.name.toLowerCase() !== wanted.toLowerCase()) continue;
      found = sheet.name;
      yield* readSheet(sheet, { date1904: book.properties?.model?.date1904 === true }, path, failed);
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw damaged(path, error);
  } finally {
    input.destroy();
  }
  if (found === undefined) throw sheetNotFound(path, options.sheet, book);
}

async function workbookParts(path: string): Promise<ZipPart[]> {
  let entries: Map<string, ZipEntry>;
  try {
    entries = await readZipDirectory(path);
  } catch (error) {
    throw damaged(path, error);
  }
  const rels = entries.get('xl/_rels/workbook.xml.rels');
  const workbook = entries.get('xl/workbook.xml');
  if (!rels || !workbook) {
    throw new FileError(
      'E_XLSX',
      path,
      undefined,
      'this zip file is not an Excel workbook (it has no xl/workbook.xml); give an .xlsx file or a CSV export',
    );
  }
  if ([...entries.values()].some((entry) => (entry.flags & 0x1) !== 0)) {
    throw new FileError('E_XLSX', path, undefined, 'this workbook is encrypted; save it without a password');
  }
  const styles = entries.get('xl/styles.xml');
  // Without shared strings exceljs parks every sheet in a temp file; an empty table keeps it streaming.
  const strings = entries.get('xl/sharedStrings.xml') ?? {
    name: 'xl/sharedStrings.xml',
    content: EMPTY_STRINGS,
  };
  const worksheets = [...entries.values()].filter((entry) => WORKSHEET.test(entry.name));
  return [rels, workbook, ...(styles ? [styles] : []), strings, ...worksheets];
}

async function* readSheet(
  sheet: WorksheetReader,
  context: CellContext,
  path: string,
  failed: Promise<never>,
): AsyncGenerator<TableItem> {
  let width = -1;
  let last = 0;
  const rows = sheet[Symbol.asyncIterator]();
  for (;;) {
    // Raced like the sheets: a corrupt sheet entry stalls exceljs instead of failing it.
    const next = await Promise.race([rows.next(), failed]);
    if (next.done) break;
    const row = next.value;
    // A row without its optional `r` attribute follows the one before it.
    const line = Number.isInteger(row.number) && row.number > 0 ? row.number : last + 1;
    last = line;
    const cells = rowCells(row, line, context, path, sheet.name);
    if (cells.every((cell) => cell.trim() === '')) continue;
    if (width === -1) {
      width = trimTrailingEmpty(cells).length;
      yield { type: 'header', columns: cells.slice(0, width), line };
      continue;
    }
    const extra = cells.findIndex((cell, i) => i >= width && cell.trim() !== '');
    if (extra !== -1) {
      throw new FileError(
        'E_TOO_MANY_FIELDS',
        path,
        line,
        `cell ${columnName(extra + 1)}${line} on sheet "${sheet.name}" has a value but its column has no header; add a header or clear the cell`,
      );
    }
    if (cells.length > width) cells.length = width;
    while (cells.length < width) cells.push('');
    yield { type: 'row', row: line, cells };
  }
  if (width === -1) {
    throw new FileError(
      'E_EMPTY_FILE',
      path,
      undefined,
      `sheet "${sheet.name}" is empty: expected a header row with offer_id`,
    );
  }
}

function rowCells(row: Row, line: number, context: CellContext, path: string, sheet: string): string[] {
  const cells: string[] = [];
  let size = 0;
  row.eachCell((cell, column) => {
    const text = cellText(cell.value, cell.numFmt, context);
    if (typeof text !== 'string') {
      throw new FileError(
        'E_XLSX_CELL',
        path,
        line,
        `cell ${columnName(column)}${line} on sheet "${sheet}" ${text.problem}`,
      );
    }
    size += text.length;
    if (size > MAX_RECORD_BYTES) {
      throw new FileError('E_RECORD_TOO_LARGE', path, line, 'this row holds more than 1 MB of text');
    }
    while (cells.length < column - 1) cells.push('');
    cells[column - 1] = text;
  });
  return cells;
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
}

/**
 * Rejects when the unzipper fails. On a corrupt entry exceljs can wait forever for a stream that never
 * ends, so its own promise would hang; the unzipper is reached through `pipe`, the one place exceljs
 * hands it over.
 */
function watchUnzip(input: Readable): Promise<never> {
  const failed = new Promise<never>((_, reject) => {
    input.once('error', reject);
    const pipe = input.pipe.bind(input);
    input.pipe = ((destination: NodeJS.WritableStream, pipeOptions?: { end?: boolean }) => {
      destination.once('error', reject);
      return pipe(destination, pipeOptions);
    }) as typeof input.pipe;
  });
  failed.catch(() => undefined);
  return failed;
}

function firstSheet(book: WorkbookInternals): string | undefined {
  const sheets = book.model?.sheets ?? [];
  return (sheets.find((sheet) => (sheet.state ?? 'visible') === 'visible') ?? sheets[0])?.name;
}

function sheetNotFound(path: string, wanted: string | undefined, book: WorkbookInternals): FileError {
  const names = (book.model?.sheets ?? []).map((sheet) => JSON.stringify(sheet.name)).join(', ');
  if (wanted !== undefined) {
    return new FileError(
      'E_SHEET_NOT_FOUND',
      path,
      undefined,
      `no sheet named "${wanted}"; the workbook has ${names || 'no sheets'}`,
    );
  }
  return new FileError(
    'E_SHEET_NOT_FOUND',
    path,
    undefined,
    `cannot find the data of the first sheet; the workbook has ${names || 'no sheets'}: pick one with --sheet NAME`,
  );
}

function damaged(path: string, error: unknown): FileError {
  const why = oneLine(error);
  return new FileError(
    'E_XLSX',
    path,
    undefined,
    `cannot read this workbook (${why}); open it in Excel and save it again, or export the sheet as CSV UTF-8`,
  );
}

/** A library's or the zip's own words, fit for one line: they may quote damaged bytes. */
function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const clean = Array.from(text, (c) => (c < ' ' || c === '\ufffd' ? ' ' : c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
