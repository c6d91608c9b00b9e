import type { Hash } from 'node:crypto';
import { FileError } from '../../errors.js';
import { isBlank, MAX_RECORD_BYTES, trimTrailingEmpty, type TableItem } from '../table.js';
import { decodeText } from './decode-text.js';
import { detectDelimiter, readPreamble } from './preamble.js';
import { createCsvTokenizer, CsvSyntaxError, type CsvRecord, type CsvTokenizer } from './tokenizer.js';

export interface ReadCsvOptions {
  /** Field delimiter. @default detected from the header line */
  delimiter: string | undefined;
  /** Receives every byte read, so the caller can fingerprint the input. */
  hash?: Hash | undefined;
}

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/**
 * Streams a CSV file as a header followed by its rows, in batches (one per chunk read, so a row costs a
 * plain loop rather than an await). The header is the first non-blank record; each row carries the file
 * line its record starts on (CRLF, LF and CR each end a line). Blank lines and rows whose cells are all
 * blank are skipped; a structural problem is a FileError naming the line, thrown after the rows before it.
 */
export async function* readCsv(path: string, options: ReadCsvOptions): AsyncGenerator<TableItem[]> {
  const found = { bom: false };
  const preamble = await readPreamble(decodeText(path, options.hash, found), path, MAX_RECORD_BYTES);
  if (preamble.firstLine === undefined) {
    throw emptyFile(path);
  }
  const delimiter = options.delimiter ?? preamble.sepDelimiter ?? detectDelimiter(preamble.firstLine);
  const tokenizer = createCsvTokenizer({
    delimiter,
    maxRecordBytes: MAX_RECORD_BYTES,
    firstLine: preamble.skippedLines + 1,
  });
  let width = -1;
  for await (const records of recordBatches(preamble.rest, tokenizer, path)) {
    const items: TableItem[] = [];
    for (const { line, cells } of records) {
      if (isBlank(cells)) continue;
      if (width === -1) {
        width = trimTrailingEmpty(cells).length;
        items.push({
          type: 'header',
          columns: cells.slice(0, width),
          line,
          delimiter,
          excelStyle: found.bom || preamble.crlf,
        });
        continue;
      }
      if (cells.length > width) {
        const values = trimTrailingEmpty(cells).length;
        if (values > width) {
          yield items;
          throw new FileError(
            'E_TOO_MANY_FIELDS',
            path,
            line,
            `this row has ${values} cells but the header has ${width} columns; a value probably holds an unquoted ${DELIMITER_NAMES[delimiter] ?? delimiter} (wrap such values in double quotes)`,
          );
        }
        cells.length = width;
      }
      while (cells.length < width) cells.push('');
      items.push({ type: 'row', row: line, cells });
    }
    if (items.length > 0) yield items;
  }
  if (width === -1) throw emptyFile(path);
}

/**
 * The records of the file, a chunk's worth at a time, so rows cost a plain loop rather than an await each.
 * A record that cannot be read is a FileError thrown after the batch of records before it.
 */
async function* recordBatches(
  chunks: AsyncGenerator<Buffer>,
  tokenizer: CsvTokenizer,
  path: string,
): AsyncGenerator<CsvRecord[]> {
  let records: CsvRecord[] = [];
  try {
    for await (const chunk of chunks) {
      // A batch's rows all live until the last of them is handled. A whole read chunk's rows outlive two
      // young-generation collections while sending and get promoted; a slice's worth does not.
      for (let start = 0; start < chunk.length;) {
        const end = sliceEnd(chunk, start);
        // decodeText never splits a character between chunks, and a slice ends after a line feed byte,
        // which UTF-8 never uses inside a character: each piece decodes on its own.
        tokenizer.push(chunk.toString('utf8', start, end), records);
        yield records;
        records = [];
        start = end;
      }
    }
    tokenizer.end(records);
    yield records;
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    yield records;
    throw error.code === 'UNCLOSED_QUOTE' ? unclosedQuote(path, error.line) : tooLarge(path, error.line);
  }
}

/** Tokenized at a time: a few hundred rows. */
const SLICE_BYTES = 16 * 1024;

/** Where the slice starting at `start` ends: just after the first line feed past SLICE_BYTES. */
function sliceEnd(chunk: Buffer, start: number): number {
  if (chunk.length - start <= SLICE_BYTES) return chunk.length;
  const lineFeed = chunk.indexOf(0x0a, start + SLICE_BYTES);
  return lineFeed === -1 ? chunk.length : lineFeed + 1;
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

function unclosedQuote(path: string, line: number): FileError {
  return new FileError(
    'E_UNCLOSED_QUOTE',
    path,
    line,
    'a quoted value starting on this line is never closed; add the closing double quote',
  );
}
