import { Readable } from 'node:stream';
import type { Hash } from 'node:crypto';
import { parse, CsvError } from 'csv-parse';
import { FileError } from './errors.js';
import { decodeText } from './decode-input.js';

/** The largest record cakes-bulk will buffer; protects memory from a runaway quote. */
export const MAX_RECORD_CHARS = 1_000_000;

export type TableItem =
  { type: 'header'; columns: string[]; line: number } | { type: 'row'; row: number; cells: string[] };

export interface ReadCsvOptions {
  /** Field delimiter; detected from the header line when not given. */
  delimiter: string | undefined;
  /** Receives every byte read, so the caller can fingerprint the input. */
  hash?: Hash | undefined;
}

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;
const LINE_BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)+/;

/**
 * Streams a CSV file as a header followed by its rows. Each row carries the spreadsheet line its record
 * starts on. Blank lines (and rows whose cells are all blank) are skipped; a structural problem is a
 * FileError naming the line.
 */
export async function* readCsv(path: string, options: ReadCsvOptions): AsyncGenerator<TableItem> {
  const text = decodeText(path, options.hash);
  const { firstLine, rest, skippedLines } = await splitPreamble(text, path);
  if (firstLine === undefined) {
    throw new FileError(
      'E_EMPTY_FILE',
      path,
      undefined,
      'the file is empty: expected a header row with offer_id',
    );
  }
  const delimiter = options.delimiter ?? firstLine.sepDelimiter ?? detectDelimiter(firstLine.text);
  const parser = parse({
    delimiter,
    info: true,
    raw: true,
    bom: false,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const source = Readable.from(rest);
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  let linesBefore = skippedLines;
  let width = -1;
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const leading = LEADING_BREAKS.exec(item.raw)?.[0] ?? '';
      const row = linesBefore + 1 + countBreaks(leading);
      linesBefore += countBreaks(item.raw);
      const cells = item.record;
      if (cells.every((cell) => cell.trim() === '')) continue;
      if (width === -1) {
        width = trimTrailingEmpty(cells).length;
        yield { type: 'header', columns: cells.slice(0, width), line: row };
        continue;
      }
      if (cells.length > width) {
        if (cells.slice(width).some((cell) => cell !== '')) {
          throw new FileError(
            'E_TOO_MANY_FIELDS',
            path,
            row,
            `this row has ${trimTrailingEmpty(cells).length} fields but the header has ${width}; ` +
              'check for an unquoted delimiter inside a value',
          );
        }
        cells.length = width;
      }
      while (cells.length < width) cells.push('');
      yield { type: 'row', row, cells };
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    if (error instanceof CsvError) throw csvFileError(error, path, linesBefore + 1);
    throw error;
  } finally {
    source.destroy();
  }
  if (width === -1) {
    throw new FileError(
      'E_EMPTY_FILE',
      path,
      undefined,
      'the file has no rows: expected a header row with offer_id',
    );
  }
}

interface Preamble {
  firstLine: { text: string; sepDelimiter: string | undefined } | undefined;
  rest: AsyncGenerator<string>;
  skippedLines: number;
}

/**
 * Reads ahead to the first non-empty line: it decides the delimiter, and Excel's `sep=;` hint line is
 * consumed here so the parser never sees it.
 */
async function splitPreamble(text: AsyncGenerator<string>, path: string): Promise<Preamble> {
  let buffered = '';
  let done = false;
  for (;;) {
    const start = buffered.search(/[^\r\n]/);
    const end = start === -1 ? -1 : buffered.slice(start).search(/[\r\n]/);
    if (start !== -1 && (end !== -1 || done)) {
      const lineText = end === -1 ? buffered.slice(start) : buffered.slice(start, start + end);
      const sep = /^sep=(.)$/i.exec(lineText.trim());
      if (sep) {
        const afterSep = end === -1 ? buffered.length : start + end;
        const consumed = buffered.slice(0, afterSep);
        const remainder = buffered.slice(afterSep).replace(/^(\r\n|\r|\n)/, '');
        const skipped = countBreaks(consumed) + 1;
        return withRest(remainder, text, skipped, nextLineOf(remainder), sep[1]);
      }
      return withRest(buffered, text, 0, lineText, undefined);
    }
    if (done) return { firstLine: undefined, rest: emptyGen(), skippedLines: 0 };
    if (buffered.length > MAX_RECORD_CHARS) {
      throw new FileError(
        'E_RECORD_TOO_LARGE',
        path,
        1,
        `the first line is longer than ${MAX_RECORD_CHARS} characters`,
      );
    }
    const next = await text.next();
    if (next.done) done = true;
    else buffered += next.value;
  }
}

function withRest(
  head: string,
  text: AsyncGenerator<string>,
  skippedLines: number,
  lineText: string,
  sepDelimiter: string | undefined,
): Preamble {
  async function* rest(): AsyncGenerator<string> {
    if (head.length > 0) yield head;
    yield* text;
  }
  return { firstLine: { text: lineText, sepDelimiter }, rest: rest(), skippedLines };
}

function nextLineOf(text: string): string {
  const trimmed = text.replace(LEADING_BREAKS, '');
  const end = trimmed.search(/[\r\n]/);
  return end === -1 ? trimmed : trimmed.slice(0, end);
}

async function* emptyGen(): AsyncGenerator<string> {}

/** The candidate that occurs most often outside quotes in the header line; comma on a tie or none. */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

function countBreaks(text: string): number {
  return text.match(LINE_BREAK)?.length ?? 0;
}

function trimTrailingEmpty(cells: string[]): string[] {
  let end = cells.length;
  while (end > 1 && (cells[end - 1] ?? '').trim() === '') end--;
  return cells.slice(0, end);
}

function csvFileError(error: CsvError, path: string, line: number): FileError {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new FileError(
        'E_UNCLOSED_QUOTE',
        path,
        line,
        'a quoted field starting on this line is never closed',
      );
    case 'CSV_MAX_RECORD_SIZE':
      return new FileError(
        'E_RECORD_TOO_LARGE',
        path,
        line,
        `a record is larger than ${MAX_RECORD_CHARS} characters (is a quote left open?)`,
      );
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new FileError(
        'E_BAD_QUOTE',
        path,
        line,
        'a quote is misplaced: inside a field a quote must be doubled ("") and the field wrapped in quotes',
      );
    default:
      return new FileError('E_CSV', path, line, `cannot parse the CSV: ${error.message}`);
  }
}
