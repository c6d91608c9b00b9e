/** One CSV record: its cells, and the file line it starts on. */
export interface CsvRecord {
  /** The line (from 1) the record starts on; CRLF, LF and CR each end a line. */
  line: number;
  cells: string[];
}

export interface CsvTokenizerOptions {
  /** Field delimiter, one character. */
  delimiter: string;
  /**
   * The largest record, counted in characters (UTF-16 code units; bytes for ASCII) from its start to its
   * line break, delimiters and quotes included, so a line of nothing but delimiters is caught too.
   */
  maxRecordBytes: number;
  /** The line the first piece of text starts on. @default 1 */
  firstLine?: number;
}

export interface CsvTokenizer {
  /** Appends to `out` every record that ends within the text given so far. */
  push(text: string, out: CsvRecord[]): void;
  /** Appends the last record, which needs no line break after it. */
  end(out: CsvRecord[]): void;
}

/**
 * A record the tokenizer cannot read. `push` and `end` throw it after appending the records before it to
 * `out`; the tokenizer is not usable afterwards.
 */
export class CsvSyntaxError extends Error {
  override name = 'CsvSyntaxError';
  readonly code: 'UNCLOSED_QUOTE' | 'RECORD_TOO_LARGE';
  /** The line the record starts on. */
  readonly line: number;

  constructor(code: CsvSyntaxError['code'], line: number) {
    super(
      `${code === 'UNCLOSED_QUOTE' ? 'unclosed quote' : 'record too large'} in the record at line ${line}`,
    );
    this.code = code;
    this.line = line;
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * A synchronous CSV tokenizer for text that arrives in pieces, split anywhere. Quoted values may hold
 * delimiters, doubled quotes and line breaks; a quote inside an unquoted value is a plain character, as
 * Excel reads `27" monitor`; empty lines are skipped. Text after a closing quote (`"ab"c`) keeps its
 * quotes and reads on as unquoted, as csv-parse does with `relax_quotes`: the cell is `"ab"c`.
 */
export function createCsvTokenizer(options: CsvTokenizerOptions): CsvTokenizer {
  const delimiter = options.delimiter.charCodeAt(0);
  const max = options.maxRecordBytes;
  // The start of a record that has not ended yet; it is read again from there once more text arrives.
  let carry = '';
  let line = options.firstLine ?? 1;
  // The last piece ended on a CR, so an LF opening the next one is the rest of a CRLF.
  let afterCr = false;

  /** The end of an unquoted run of characters: the next delimiter or line break, or the end of the text. */
  function runEnd(text: string, from: number): number {
    let i = from;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === delimiter || c === LF || c === CR) break;
    }
    return i;
  }

  function scan(text: string, out: CsvRecord[], final: boolean): void {
    const n = text.length;
    let pos = afterCr && text.charCodeAt(0) === LF ? 1 : 0;
    while (pos < n) {
      let c = text.charCodeAt(pos);
      if (c === LF || c === CR) {
        line++;
        pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
        continue;
      }
      const start = pos;
      const cells: string[] = [];
      let breaks = 0;
      let end: number;
      for (;;) {
        let cell: string;
        if (text.charCodeAt(pos) === QUOTE) {
          let value = '';
          for (let from = pos + 1; ;) {
            const close = text.indexOf('"', from);
            if (close === -1) return unfinished(text, start, final);
            for (let i = from; i < close; i++) {
              c = text.charCodeAt(i);
              if (c === CR || (c === LF && text.charCodeAt(i - 1) !== CR)) breaks++;
            }
            if (text.charCodeAt(close + 1) !== QUOTE) {
              value += text.slice(from, close);
              pos = close + 1;
              break;
            }
            value += text.slice(from, close + 1);
            from = close + 2;
          }
          end = runEnd(text, pos);
          if (end === pos) cell = value;
          else if (delimiter === QUOTE) {
            // With a quote for delimiter (`sep="`), csv-parse ends the value at that quote instead.
            cell = `"${value}`;
            end = pos - 1;
          } else cell = `"${value}"${text.slice(pos, end)}`;
        } else {
          end = runEnd(text, pos);
          cell = text.slice(pos, end);
        }
        if (end - start > max) throw new CsvSyntaxError('RECORD_TOO_LARGE', line);
        // A value running to the end of the text may go on in the next piece (even one just closed by a
        // quote: the next character may make it a doubled quote), so the record is read again then.
        if (end === n && !final) return unfinished(text, start, final);
        cells.push(cell);
        c = text.charCodeAt(end);
        if (c !== delimiter) break;
        pos = end + 1;
      }
      out.push({ line, cells });
      line += 1 + breaks;
      pos = end + (c === CR && text.charCodeAt(end + 1) === LF ? 2 : 1);
    }
    carry = '';
    afterCr = text.charCodeAt(n - 1) === CR;
  }

  function unfinished(text: string, start: number, final: boolean): void {
    if (text.length - start > max) throw new CsvSyntaxError('RECORD_TOO_LARGE', line);
    // At the end of the input, only a quote left open keeps a record from ending.
    if (final) throw new CsvSyntaxError('UNCLOSED_QUOTE', line);
    carry = text.slice(start);
    afterCr = false;
  }

  return {
    push(text, out) {
      // An unfinished record can only end at a line break: until one comes, there is nothing to read again.
      if (carry !== '' && text.indexOf('\n') === -1 && text.indexOf('\r') === -1) {
        carry += text;
        if (carry.length > max) throw new CsvSyntaxError('RECORD_TOO_LARGE', line);
      } else if (text !== '') scan(carry + text, out, false);
    },
    end(out) {
      scan(carry, out, true);
    },
  };
}
