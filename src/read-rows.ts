import { Readable } from 'node:stream';
import type { Hash } from 'node:crypto';
import { parse, CsvError, type Parser } from 'csv-parse';
import { FileError } from './errors.js';
import { decodeText } from './decode-input.js';
import { detectDelimiter, readPreamble } from './csv-preamble.js';

/** The largest record cake-bulk will buffer (1 MB); protects memory from a runaway quote or line. */
export const MAX_RECORD_BYTES = 1_000_000;

export type TableItem =
  { type: 'header'; columns: string[]; line: number } | { type: 'row'; row: number; cells: string[] };

type RowItem = Extract<TableItem, { type: 'row' }>;

export interface ReadCsvOptions {
  /** Field delimiter. @default detected from the header line */
  delimiter: string | undefined;
  /** Receives every byte read, so the caller can fingerprint the input. */
  hash?: Hash | undefined;
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
const LF = 0x0a;
const CR = 0x0d;

/**
 * Streams a CSV file as a header followed by its rows. The header is the first non-blank record; each
 * row carries the file line its record starts on (CRLF, LF and CR each end a line). Blank lines and
 * rows whose cells are all blank are skipped; a structural problem is a FileError naming the line.
 */
export async function* readCsv(path: string, options: ReadCsvOptions): AsyncGenerator<TableItem> {
  const preamble = await readPreamble(decodeText(path, options.hash), path, MAX_RECORD_BYTES);
  if (preamble.firstLine === undefined) {
    throw emptyFile(path);
  }
  const delimiter = options.delimiter ?? preamble.sepDelimiter ?? detectDelimiter(preamble.firstLine);
  const parser = parse({
    delimiter,
    bom: false,
    relax_column_count: true,
    skip_empty_lines: true,
    // Every line ending ends a record, so a file pasted together from two systems still reads right.
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: MAX_RECORD_BYTES,
    // A quote inside an unquoted value is a character, as Excel reads it (27" monitor).
    relax_quotes: true,
    // Errors arrive as 'skip' events instead of destroying the stream, so rows before them still come out.
    skip_records_with_error: true,
  });
  // Lines taken by the records parsed so far; with the empty lines csv-parse skipped, the next record
  // starts on nextLine(). Counted as csv-parse pushes each record, in order and in step with its 'skip'
  // error events, so an error's line is exact too. (on_record would do the same, but it builds an info
  // object per record and doubles the cost of parsing.)
  let recordLines = preamble.skippedLines;
  const info = parser.info as { records: number; empty_lines: number };
  const nextLine = () => recordLines + info.empty_lines + 1;
  let failure: { line: number; cause: CsvError | undefined } | undefined;
  const push = parser.push.bind(parser);
  let records = 0;
  parser.push = ((cells: string[] | null) => {
    if (cells === null) return push(null);
    // csv-parse builds, and throws away, a detailed CsvError for every record whose length differs from
    // the first record's, even with relax_column_count: ~40 µs a row, and Excel drops trailing empty
    // cells from rows. With its record count held at 0, each record counts as the first one.
    info.records = 0;
    records++;
    const row = nextLine();
    recordLines += 1 + breaksInside(cells);
    // Rows of blank cells (",,,") are dropped here rather than in the loop below, costing no iteration.
    return isBlank(cells) ? true : push({ type: 'row', row, cells } satisfies RowItem);
  }) as typeof parser.push;
  parser.on('skip', (error: CsvError) => (failure ??= { line: nextLine(), cause: error }));
  const tooBig = () => (failure ??= { line: nextLine(), cause: undefined });
  const source = Readable.from(guardRecordSize(preamble.rest, parser, () => records, tooBig));
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  let width = -1;
  try {
    for await (const item of parser as AsyncIterable<RowItem>) {
      if (failure && item.row >= failure.line) break;
      const cells = item.cells;
      if (width === -1) {
        width = trimTrailingEmpty(cells).length;
        yield { type: 'header', columns: cells.slice(0, width), line: item.row };
        continue;
      }
      if (cells.length > width) {
        const values = trimTrailingEmpty(cells).length;
        if (values > width) {
          throw new FileError(
            'E_TOO_MANY_FIELDS',
            path,
            item.row,
            `this row has ${values} cells but the header has ${width} columns; a value probably holds an unquoted ${DELIMITER_NAMES[delimiter] ?? delimiter} (wrap such values in double quotes)`,
          );
        }
        cells.length = width;
      }
      while (cells.length < width) cells.push('');
      yield item;
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    if (error instanceof CsvError) throw csvFileError(error, path, nextLine());
    throw error;
  } finally {
    source.destroy();
  }
  if (failure)
    throw failure.cause ? csvFileError(failure.cause, path, failure.line) : tooLarge(path, failure.line);
  if (width === -1) throw emptyFile(path);
}

/**
 * Passes the bytes through, stopping once the parser has taken in more than a record's worth of input
 * without finishing a record. csv-parse's own limit counts field characters only, so a line of a
 * million delimiters would otherwise grow one record without bound.
 */
async function* guardRecordSize(
  chunks: AsyncGenerator<Buffer>,
  parser: Parser,
  recordsSeen: () => number,
  tooBig: () => void,
): AsyncGenerator<Buffer> {
  let records = -1;
  let mark = 0;
  for await (const chunk of chunks) {
    if (recordsSeen() !== records) {
      records = recordsSeen();
      mark = parser.info.bytes;
    } else if (parser.info.bytes - mark > MAX_RECORD_BYTES) {
      tooBig();
      return;
    }
    yield chunk;
  }
}

/** Line breaks inside quoted values: the record spans that many more lines of the file. */
function breaksInside(cells: string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    if (cell.indexOf('\n') === -1 && cell.indexOf('\r') === -1) continue;
    for (let i = 0; i < cell.length; i++) {
      const c = cell.charCodeAt(i);
      if (c === LF || (c === CR && cell.charCodeAt(i + 1) !== LF)) breaks++;
    }
  }
  return breaks;
}

function isBlank(cells: string[]): boolean {
  for (const cell of cells) if (cell !== '' && cell.trim() !== '') return false;
  return true;
}

function trimTrailingEmpty(cells: string[]): string[] {
  let end = cells.length;
  while (end > 1 && (cells[end - 1] ?? '').trim() === '') end--;
  return cells.slice(0, end);
}

function emptyFile(path: string): FileError {
  return new FileError(
    'E_EMPTY_FILE',
    path,
    undefined,
    'the file is empty (or has only blank lines): expected a header row with offer_id',
  );
}

function tooLarge(path: string, line: number): FileError {
  return new FileError(
    'E_RECORD_TOO_LARGE',
    path,
    line,
    'the record starting on this line is larger than 1 MB; is a quote left open above or inside it?',
  );
}

function csvFileError(error: CsvError, path: string, line: number): FileError {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new FileError(
        'E_UNCLOSED_QUOTE',
        path,
        line,
        'a quoted value starting on this line is never closed; add the closing double quote',
      );
    case 'CSV_MAX_RECORD_SIZE':
      return tooLarge(path, line);
    default:
      return new FileError('E_CSV', path, line, `cannot read this line as CSV (${error.code})`);
  }
}
