import { FileError } from '../../errors.js';
import { countLineBreaks } from './line-breaks.js';

const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;
const HAS_CONTENT = /[^\s,;"]/;
const LF = 0x0a;
const CR = 0x0d;

/** What comes before the CSV parser starts: the header line's text and any `sep=` hint. */
export interface Preamble {
  /** The first line with content, for delimiter detection; undefined when the file has none. */
  firstLine: string | undefined;
  /** Delimiter from an Excel `sep=;` line. */
  sepDelimiter: string | undefined;
  /** Lines consumed before `rest` (a `sep=` line and anything above it). */
  skippedLines: number;
  /** The header line ends in CR LF: an Excel-made file, whose results should end lines the same way. */
  crlf: boolean;
  rest: AsyncGenerator<Buffer>;
}

/**
 * Reads ahead to the first line with content (blank lines and lines of bare delimiters are passed over).
 * That line decides the delimiter, and Excel's `sep=;` hint line is consumed here so the parser never
 * sees it.
 */
export async function readPreamble(
  chunks: AsyncGenerator<Buffer>,
  path: string,
  maxLineBytes: number,
): Promise<Preamble> {
  let head: Buffer = Buffer.alloc(0);
  let done = false;
  for (;;) {
    let start = 0;
    for (;;) {
      while (start < head.length && (head[start] === LF || head[start] === CR)) start++;
      const end = lineEnd(head, start);
      // Wait for one byte past the line break, so a CRLF split between chunks is seen whole.
      if (start === head.length || (end >= head.length - 1 && !done)) break;
      const text = head.toString('utf8', start, end);
      // Lines of only delimiters (an empty row exported as ",,,") say nothing about the delimiter.
      if (!HAS_CONTENT.test(text)) {
        start = end;
        continue;
      }
      const sep = /^ *sep=(.) *$/i.exec(text);
      const crlf = head[end] === CR && head[end + 1] === LF;
      if (!sep)
        return {
          firstLine: text,
          sepDelimiter: undefined,
          skippedLines: 0,
          crlf,
          rest: prepend(head, chunks),
        };
      const after = end + (head[end] === CR && head[end + 1] === LF ? 2 : end < head.length ? 1 : 0);
      const skippedLines = countLineBreaks(head.subarray(0, after)) + (end === head.length ? 1 : 0);
      return {
        firstLine: text,
        sepDelimiter: sep[1],
        skippedLines,
        crlf,
        rest: prepend(head.subarray(after), chunks),
      };
    }
    if (done)
      return {
        firstLine: undefined,
        sepDelimiter: undefined,
        skippedLines: 0,
        crlf: false,
        rest: prepend(head, chunks),
      };
    if (head.length > maxLineBytes) {
      throw new FileError(
        'E_RECORD_TOO_LARGE',
        path,
        countLineBreaks(head.subarray(0, start)) + 1,
        'the first line is larger than 1 MB; is this a CSV file?',
      );
    }
    const more = await chunks.next();
    if (more.done) done = true;
    else head = head.length === 0 ? more.value : Buffer.concat([head, more.value]);
  }
}

function lineEnd(bytes: Buffer, from: number): number {
  const lf = bytes.indexOf(LF, from);
  const cr = bytes.indexOf(CR, from);
  if (lf === -1) return cr === -1 ? bytes.length : cr;
  return cr === -1 ? lf : Math.min(lf, cr);
}

async function* prepend(head: Buffer, rest: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  yield* rest;
}

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
