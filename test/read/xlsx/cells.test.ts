import { describe, expect, it } from 'vitest';
import { FileError } from '../../../src/errors.js';
import { isShortestDecimal, formatNumber, serialDate } from '../../../src/read/xlsx/cells.js';
import { tempDir } from '../../support/helpers.js';
import {
  readAll,
  readError,
  workbookEntries,
  writeZip,
  type WorkbookSpec,
} from '../../support/xlsx-builder.js';

/** What text a cell becomes: the rules of src/read/xlsx/cells.ts, read through whole workbooks. */
const HEADER = `<row r="1">${['offer_id', 'b', 'c', 'd']
  .map((name, i) => `<c r="${'ABCD'[i]}1" t="inlineStr"><is><t>${name}</t></is></c>`)
  .join('')}</row>`;

/** The cells of row 2 (up to its last non-empty one) of a sheet whose row 2 holds `cells`, XML `<c>`s. */
async function row2(cells: string, spec: Partial<WorkbookSpec> = {}): Promise<string[]> {
  const items = await readRows(`${HEADER}<row r="2">${cells}</row>`, spec);
  const row = items.find((item) => item.type === 'row');
  const text = row?.type === 'row' ? [...row.cells] : [];
  while (text.at(-1) === '') text.pop();
  return text;
}

async function readRows(rows: string, spec: Partial<WorkbookSpec> = {}) {
  const entries = workbookEntries({ sheets: [{ name: 'Offers', rows }], ...spec });
  return readAll(await writeZip(await tempDir(), 'cells.xlsx', entries));
}

describe('numbers read as Excel shows them', () => {
  it.each([
    ['20.5', '20.5'],
    ['22.550000000000001', '22.55'],
    ['20.000000000000004', '20'],
    ['0.30000000000000004', '0.3'],
    ['1.2345E+17', '123450000000000000'],
    ['12345678901', '12345678901'],
    ['1.0000000000000001E-5', '0.00001'],
    ['1E-7', '0.0000001'],
    ['-0', '0'],
    ['-1.25', '-1.25'],
    ['007', '7'],
    ['2.50', '2.5'],
  ])('<v>%s</v> -> %s', async (stored, shown) => {
    expect(await row2(`<c r="A2"><v>${stored}</v></c>`)).toEqual([shown]);
  });

  it('takes the short way only where formatNumber would give the same text', () => {
    for (const text of ['0', '20.5', '-0.5', '123456789012345', '0.000001', '1500']) {
      expect(isShortestDecimal(text), text).toBe(true);
      expect(formatNumber(Number(text))).toBe(text);
    }
    for (const text of ['-0', '.5', '2.50', '007', '1e5', '0.0000001', '1234567890123456', '+1', '1.', '']) {
      expect(isShortestDecimal(text), text).toBe(false);
    }
  });
});

describe('dates, by their number format', () => {
  const formats = [
    0,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    45,
    46,
    47,
    2,
    49,
    'dd/mm/yyyy',
    '"Day "0',
    '[Red]0.00',
    '[h]:mm',
  ];
  it.each(formats.map((format, s) => [format, s] as const))('format %s', async (format, s) => {
    const cells = await row2(`<c r="A2" s="${s}"><v>46387.75</v></c>`, { formats });
    const isDate =
      typeof format === 'number'
        ? (format >= 14 && format <= 22) || (format >= 45 && format <= 47)
        : !/"|Red/.test(format);
    expect(cells).toEqual([isDate ? '2026-12-31 18:00:00' : '46387.75']);
  });

  it('counts from 1904 in a 1904 workbook', async () => {
    const cells = await row2('<c r="A2" s="2"><v>0</v></c><c r="B2" s="2"><v>44925.75</v></c>', {
      date1904: true,
    });
    expect(cells).toEqual(['1904-01-01 00:00:00', '2026-12-31 18:00:00']);
  });

  it.each([
    [1, '1900-01-01 00:00:00'],
    [59, '1900-02-28 00:00:00'],
    [60, '1900-02-29 00:00:00'],
    [60.5, '1900-02-29 12:00:00'],
    [61, '1900-03-01 00:00:00'],
    [0.5, '1899-12-30 12:00:00'],
    [2958465.9999942, '9999-12-31 23:59:59'],
  ])('keeps Excel 1900 leap-year bug: serial %s is %s', (serial, text) => {
    expect(serialDate(serial, false)).toBe(text);
  });

  it('reads an ISO date cell (t="d")', async () => {
    expect(
      await row2('<c r="A2" t="d"><v>2026-12-31T23:59:59Z</v></c><c r="B2" t="d"><v>2027-01-02</v></c>'),
    ).toEqual(['2026-12-31 23:59:59', '2027-01-02 00:00:00']);
  });
});

describe('text cells', () => {
  it('joins rich text runs and leaves phonetic runs out, in shared strings and inline strings', async () => {
    const strings = [
      '<r><t>Gold </t></r><r><rPr><b/></rPr><t>Offer</t></r><rPh sb="0" eb="1"><t>ゴールド</t></rPh>',
    ];
    const cells = await row2(
      '<c r="A2" t="s"><v>0</v></c><c r="B2" t="inlineStr"><is><r><t>In</t></r><r><t>line</t></r><rPh><t>x</t></rPh></is></c>',
      { strings },
    );
    expect(cells).toEqual(['Gold Offer', 'Inline']);
  });

  it('decodes _xHHHH_ escapes once: _x005F_ is a literal underscore, a lone surrogate passes as it is', async () => {
    const strings = ['Line_x000D__x000A_two', 'keep _x005F_x000D_ as text', 'lone _xD800_'];
    const cells = await row2(
      '<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c><c r="D2" t="str"><f>A1</f><v>tab_x0009_here</v></c>',
      { strings },
    );
    expect(cells).toEqual(['Line\r\ntwo', 'keep _x000D_ as text', 'lone \ud800', 'tab\there']);
  });

  it('reads text in any script, wherever the chunks it streams in cut it', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `Café 日本 🎉 ${i} ${'é'.repeat(i % 97)}`);
    const rows = names
      .map((name, i) => `<row r="${i + 2}"><c r="A${i + 2}" t="inlineStr"><is><t>${name}</t></is></c></row>`)
      .join('');
    const items = await readRows(`${HEADER}${rows}`);
    expect(items.slice(1).map((item) => (item.type === 'row' ? item.cells[0] : ''))).toEqual(names);
  });

  it('writes booleans as Excel does, and formula strings as their value', async () => {
    expect(
      await row2(
        '<c r="A2" t="b"><v>1</v></c><c r="B2" t="b"><f>1=2</f><v>0</v></c><c r="C2" t="str"><f>LOWER("A")</f><v>a</v></c>',
      ),
    ).toEqual(['TRUE', 'FALSE', 'a']);
  });

  it('places a cell without r after the one before it, and a row without r after the row before', async () => {
    const items = await readRows(
      `${HEADER}<row><c r="B2"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>`,
    );
    expect(items.slice(1)).toEqual([
      { type: 'row', row: 2, cells: ['', '1', '2', ''], cellErrors: undefined },
      { type: 'row', row: 3, cells: ['3', '', '', ''], cellErrors: undefined },
    ]);
  });
});

describe('formula errors are a bad cell, not a bad file', () => {
  const errors = [
    '#DIV/0!',
    '#N/A',
    '#VALUE!',
    '#REF!',
    '#NAME?',
    '#NUM!',
    '#NULL!',
    '#SPILL!',
    '#CALC!',
    '#GETTING_DATA',
  ];
  it.each(errors)('%s: the text Excel shows, and where it is', async (error) => {
    const items = await readRows(
      `${HEADER}<row r="5"><c r="A5"><v>7</v></c><c r="C5" t="e"><f>1/0</f><v>${error.replace('&', '&amp;')}</v></c></row>`,
    );
    expect(items[1]).toEqual({
      type: 'row',
      row: 5,
      cells: ['7', '', error, ''],
      cellErrors: [{ index: 2, address: 'C5', value: error }],
    });
  });

  it('but a formula never calculated (no saved value) is refused, naming the cell', async () => {
    const error = await readError(
      await writeZip(
        await tempDir(),
        'uncalculated.xlsx',
        workbookEntries({
          sheets: [{ name: 'Offers', rows: `${HEADER}<row r="2"><c r="B2"><f>A2*2</f></c></row>` }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(FileError);
    expect(error).toMatchObject({ code: 'E_XLSX_CELL', line: 2 });
    expect(error.message).toMatch(
      /:2: cell B2 on sheet "Offers" has a formula that was never calculated; open the file in Excel and save it again$/,
    );
  });
});
