import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createCsvTokenizer,
  CsvSyntaxError,
  type CsvRecord,
  type CsvTokenizerOptions,
} from '../../src/read/csv/tokenizer.js';

interface Outcome {
  records: Array<[number, string[]]>;
  error?: { code: string; line: number };
}

/** Feeds the pieces in order, then ends; records as [line, cells], and the error if one is thrown. */
function tokenize(pieces: string[], options: Partial<CsvTokenizerOptions> = {}): Outcome {
  const tokenizer = createCsvTokenizer({ delimiter: ',', maxRecordBytes: 1_000_000, ...options });
  const out: CsvRecord[] = [];
  try {
    for (const piece of pieces) tokenizer.push(piece, out);
    tokenizer.end(out);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { records: out.map(pair), error: { code: error.code, line: error.line } };
  }
  return { records: out.map(pair) };
}

const pair = (record: CsvRecord): [number, string[]] => [record.line, record.cells];

/** The text cut at each of the given positions. */
function split(text: string, at: number[]): string[] {
  const cuts = [0, ...[...at].sort((a, b) => a - b), text.length];
  return cuts.slice(1).map((end, i) => text.slice(cuts[i], end));
}

describe('the tokenizer ends a record at every kind of line break', () => {
  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('%s, counting the empty lines it skips', (_, eol) => {
    const text = ['a,b', 'c,d', '', '', 'e', ''].join(eol);
    expect(tokenize([text]).records).toEqual([
      [1, ['a', 'b']],
      [2, ['c', 'd']],
      [5, ['e']],
    ]);
  });

  it('with LF, CRLF and CR mixed in one text', () => {
    expect(tokenize(['a\r\nb\nc\rd\r\n\ne\r\r\nf']).records.map(([line, [cell]]) => [line, cell])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
      [6, 'e'],
      [8, 'f'],
    ]);
  });

  it('reads the last record without a line break after it, and no record after a final break', () => {
    expect(tokenize(['a\nb']).records).toEqual([
      [1, ['a']],
      [2, ['b']],
    ]);
    expect(tokenize(['a\n']).records).toEqual([[1, ['a']]]);
    expect(tokenize(['', '\n\r\n\r']).records).toEqual([]);
  });

  it('keeps a line of blanks as a record: only a line with nothing on it is empty', () => {
    expect(tokenize(['a\n \n\t\nb']).records).toEqual([
      [1, ['a']],
      [2, [' ']],
      [3, ['\t']],
      [4, ['b']],
    ]);
  });

  it('counts lines from firstLine', () => {
    expect(tokenize(['\na\nb'], { firstLine: 3 }).records).toEqual([
      [4, ['a']],
      [5, ['b']],
    ]);
  });

  it('joins a CR ending one piece to an LF opening the next, even with an empty piece between', () => {
    expect(tokenize(['a\r', '', '\nb\r', '\r', '\nc']).records).toEqual([
      [1, ['a']],
      [2, ['b']],
      [4, ['c']],
    ]);
  });
});

describe('the tokenizer splits cells', () => {
  it('at each delimiter, with empty cells between, before and after', () => {
    expect(tokenize([',a,,b,\n,\n']).records).toEqual([
      [1, ['', 'a', '', 'b', '']],
      [2, ['', '']],
    ]);
  });

  it.each([';', '\t', '|'])('at %j, leaving commas in the values', (delimiter) => {
    const text = `a,1${delimiter}"b${delimiter}2"${delimiter}c\n`;
    expect(tokenize([text], { delimiter }).records).toEqual([[1, ['a,1', `b${delimiter}2`, 'c']]]);
  });

  it('into one cell per record when the delimiter never occurs', () => {
    expect(tokenize(['offer_id\n1\n"2,3"\n\n4']).records).toEqual([
      [1, ['offer_id']],
      [2, ['1']],
      [3, ['2,3']],
      [5, ['4']],
    ]);
  });
});

describe('the tokenizer reads quoted values', () => {
  it('with delimiters, doubled quotes and line breaks of every kind, each record on its first line', () => {
    const text = [
      '1,"Auto Insurance, ""Gold"" - US",1',
      '2,"two\r\nlines (CRLF)",2',
      '3,"two\nlines (LF)",3',
      '4,"two\rlines (CR)",4',
      '5,"three\n\nlines",5',
      // A CR and an LF with a doubled quote between them are two line breaks.
      '6,"a\r""\nb",6',
      '7,last,7',
    ].join('\n');
    expect(tokenize([text]).records).toEqual([
      [1, ['1', 'Auto Insurance, "Gold" - US', '1']],
      [2, ['2', 'two\r\nlines (CRLF)', '2']],
      [4, ['3', 'two\nlines (LF)', '3']],
      [6, ['4', 'two\rlines (CR)', '4']],
      [8, ['5', 'three\n\nlines', '5']],
      [11, ['6', 'a\r"\nb', '6']],
      [14, ['7', 'last', '7']],
    ]);
  });

  it('that are empty, as one empty cell (a line holding only "" is a record, not an empty line)', () => {
    expect(tokenize(['"",a,""\n""\n""""']).records).toEqual([
      [1, ['', 'a', '']],
      [2, ['']],
      [3, ['"']],
    ]);
  });

  it('as plain characters when the quote is not the first character of the value (27" monitor)', () => {
    expect(tokenize(['27" monitor,a"b"\n "x,y"\n']).records).toEqual([
      [1, ['27" monitor', 'a"b"']],
      [2, [' "x', 'y"']],
    ]);
  });

  // csv-parse with relax_quotes, which cake-bulk used before: the cell keeps both quotes around the
  // unescaped value, and what follows is read as unquoted text, so a later line break ends the record.
  it.each<[string, string, Array<[number, string[]]>]>([
    ['text', '"ab"c,d', [[1, ['"ab"c', 'd']]]],
    ['a blank', '"ab" ,d', [[1, ['"ab" ', 'd']]]],
    ['an escaped quote inside', '"a""b"c', [[1, ['"a"b"c']]]],
    ['an empty quoted value', '""a', [[1, ['""a']]]],
    [
      'a line break inside',
      '"a\nb"c,d\ne',
      [
        [1, ['"a\nb"c', 'd']],
        [3, ['e']],
      ],
    ],
    [
      'more quotes and a line break after it',
      '1,"x"y"z\nw",2',
      [
        [1, ['1', '"x"y"z']],
        [2, ['w"', '2']],
      ],
    ],
  ])('that have text after the closing quote: %s', (_, text, records) => {
    expect(tokenize([text]).records).toEqual(records);
  });

  it('with the quote itself as delimiter (an Excel sep=" line), as csv-parse did', () => {
    expect(tokenize(['a"b\n"x""y"z\n'], { delimiter: '"' }).records).toEqual([
      [1, ['a', 'b']],
      [2, ['"x"y', 'z']],
    ]);
  });
});

describe('the tokenizer refuses, naming the line the record starts on', () => {
  it('an unclosed quote, after the records before it', () => {
    expect(tokenize(['a,b\n"c\nd\n\n']).error).toEqual({ code: 'UNCLOSED_QUOTE', line: 2 });
    expect(tokenize(['a\n1,"x\ny",2,"open\nz']).error).toEqual({ code: 'UNCLOSED_QUOTE', line: 2 });
    expect(tokenize(['a\n"ends on an escaped quote""']).error).toEqual({ code: 'UNCLOSED_QUOTE', line: 2 });
    expect(tokenize(['a\n"b\n', '\nc']).records).toEqual([[1, ['a']]]);
  });

  it.each<[string, string[], number]>([
    ['an unquoted value', ['a\n', 'b'.repeat(11), '\nc\n'], 2],
    ['a line of only delimiters', ['a\n\n', ','.repeat(11), '\n'], 3],
    ['delimiters arriving a few at a time', ['a\n', ',,,', ',,,', ',,,', ',,,', ',,,', 'x\n'], 2],
    ['a quoted value spanning lines', ['a\n"123\n45678"\nc'], 2],
    ['an unclosed quote past the limit', ['a\n"12345678901'], 2],
    ['several values with their delimiters', ['a\n12,45,78,01\n'], 2],
  ])('a record over maxRecordBytes: %s', (_, pieces, line) => {
    expect(tokenize(pieces, { maxRecordBytes: 10 })).toEqual({
      records: [[1, ['a']]],
      error: { code: 'RECORD_TOO_LARGE', line },
    });
  });

  it.each([
    ['a line of delimiters', 'a\n', ',,,'],
    ['a quoted value of line breaks', 'a\n"', '\n\r\n'],
  ])('a record over maxRecordBytes as soon as it is, before its end arrives: %s', (_, first, piece) => {
    const tokenizer = createCsvTokenizer({ delimiter: ',', maxRecordBytes: 10 });
    const out: CsvRecord[] = [];
    tokenizer.push(first, out);
    let pushed = 0;
    expect(() => {
      for (; pushed < 100; pushed++) tokenizer.push(piece, out);
    }).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE', line: 2 }));
    expect(pushed).toBe(3);
  });

  it('not a record of exactly maxRecordBytes, whatever its line break', () => {
    expect(tokenize(['1234567890\r\n"23456789"\r12,45,7890'], { maxRecordBytes: 10 }).records).toEqual([
      [1, ['1234567890']],
      [2, ['23456789']],
      [3, ['12', '45', '7890']],
    ]);
  });
});

describe('the tokenizer reads text split anywhere as it reads it whole', () => {
  const tricky = [
    'h1,"h,2",h3\r\n',
    '\r\n',
    '1,"a ""quoted"" word","two\r\nlines"\r',
    '2,"CR\rinside",27" monitor\n',
    '\n',
    '3,"ab"c,"""",""\r\n',
    ',,\r',
    '4,"end\n""\r\nquote"""\r\n',
    '5,last,no break',
  ].join('');

  it('has a sample that reads as intended', () => {
    expect(tokenize([tricky]).records).toEqual([
      [1, ['h1', 'h,2', 'h3']],
      [3, ['1', 'a "quoted" word', 'two\r\nlines']],
      [5, ['2', 'CR\rinside', '27" monitor']],
      [8, ['3', '"ab"c', '"', '']],
      [9, ['', '', '']],
      [10, ['4', 'end\n"\r\nquote"']],
      [13, ['5', 'last', 'no break']],
    ]);
  });

  it('cut at any one position', () => {
    const whole = tokenize([tricky]);
    for (let i = 0; i <= tricky.length; i++) expect(tokenize(split(tricky, [i]))).toEqual(whole);
  });

  it('cut at any two positions', () => {
    const whole = tokenize([tricky]);
    for (let i = 0; i <= tricky.length; i++) {
      for (let j = i; j <= tricky.length; j++) expect(tokenize(split(tricky, [i, j]))).toEqual(whole);
    }
  });

  it('given one character at a time', () => {
    expect(tokenize([...tricky])).toEqual(tokenize([tricky]));
  });

  it.each([
    ['an unclosed quote', `${tricky}\n6,"open\r\n7,x\r\n`, 14],
    ['a record over the limit', `${tricky}\n6,${'x'.repeat(40)}\r\n7,x\r\n`, 14],
  ])('with %s at the end, cut at any one position', (_, text, line) => {
    const whole = tokenize([text], { maxRecordBytes: 40 });
    expect(whole.records).toHaveLength(7);
    expect(whole.error?.line).toBe(line);
    for (let i = 0; i <= text.length; i++) {
      expect(tokenize(split(text, [i]), { maxRecordBytes: 40 })).toEqual(whole);
    }
  });
});

describe('any table written by a correct CSV writer reads back the same', () => {
  const cell = fc
    .array(
      fc.oneof(
        fc.constantFrom(',', ';', '\t', '|', '"', '""', '\r', '\n', '\r\n', ' ', 'é', '日', '🎉'),
        fc.string({ minLength: 1, maxLength: 4 }),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join(''));
  const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 });
  const style = fc.record({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    quoteAll: fc.boolean(),
    finalEol: fc.boolean(),
    blankLines: fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 3 }),
  });
  const cuts = fc.array(fc.nat(), { maxLength: 8 });

  it('cut into random pieces', () => {
    fc.assert(
      fc.property(table, style, cuts, (rows, { delimiter, eol, quoteAll, finalEol, blankLines }, at) => {
        // A value is quoted when it holds a delimiter, quote or line break; so is a lone empty value, whose
        // line would otherwise be empty.
        const quote = (value: string, _i: number, cells: string[]) =>
          quoteAll || /[",;\t|\r\n]/.test(value) || (value === '' && cells.length === 1)
            ? `"${value.replaceAll('"', '""')}"`
            : value;
        let text = '';
        let line = 1;
        const expected: Array<[number, string[]]> = [];
        rows.forEach((cells, i) => {
          const record = cells.map(quote).join(delimiter);
          expected.push([line, cells]);
          const blanks = i < rows.length - 1 ? blankLines[i % blankLines.length]! : 0;
          text += record + eol.repeat(blanks + (i < rows.length - 1 || finalEol ? 1 : 0));
          line += (record.match(/\r\n|\r|\n/g)?.length ?? 0) + blanks + 1;
        });
        const pieces = split(
          text,
          at.map((n) => n % (text.length + 1)),
        );
        expect(tokenize(pieces, { delimiter }).records).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});
