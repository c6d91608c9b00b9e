import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBulk } from '../../src/run/run-bulk.js';
import type { UpdateRequest } from '../../src/types.js';
import { tempDir } from '../support/helpers.js';

/**
 * Any table of valid rows, however a spreadsheet program writes it, reads back to the same requests.
 * Rows are generated as requests plus the text a user would have typed for each field.
 */
type Field = 'offer_name' | 'offer_status' | 'payout' | 'revenue' | 'expiration_date';
const FIELDS: Field[] = ['offer_name', 'offer_status', 'payout', 'revenue', 'expiration_date'];

interface Row {
  request: UpdateRequest;
  /** The cell text for offer_id and each field; '' leaves a field out of the request. */
  cells: Record<'offer_id' | Field, string>;
}

// Names without control characters or surrounding blanks (both are validation's business, not reading's),
// rich in what makes CSV hard: delimiters, quotes, non-ASCII.
const nameChar = fc.oneof(
  fc.constantFrom(',', ';', '"', "'", ' ', '=', '+', '-', '@', 'é', 'ß', '日', '🎉', '|'),
  fc.string({ minLength: 1, maxLength: 1 }).filter((c) => c >= ' ' && c !== '\u007f'),
);
const name = fc
  .array(nameChar, { minLength: 1, maxLength: 24 })
  .map((chars) => chars.join('').trim())
  .filter((text) => text !== '');
const money = fc
  .tuple(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 4 }))
  .map(([units, places]) => (places === 0 ? String(units) : (units / 10 ** places).toFixed(places)));
const status = fc
  .tuple(fc.constantFrom('active', 'inactive', 'pending'), fc.constantFrom('lower', 'upper', 'title'))
  .map(([value, style]) => [
    value,
    style === 'upper'
      ? value.toUpperCase()
      : style === 'title'
        ? value[0]!.toUpperCase() + value.slice(1)
        : value,
  ]);
const dateTime = fc
  .date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 19).replace('T', ' '));

function rowArb(id: number, fields: Field[]): fc.Arbitrary<Row> {
  return fc
    .record({
      offer_name: fc.option(name, { nil: undefined }),
      offer_status: fc.option(status, { nil: undefined }),
      payout: fc.option(money, { nil: undefined }),
      revenue: fc.option(money, { nil: undefined }),
      expiration_date: fc.option(dateTime, { nil: undefined }),
    })
    .filter((values) => fields.some((field) => values[field] !== undefined))
    .map((values) => {
      const request: UpdateRequest = { offer_id: id };
      const cells: Row['cells'] = {
        offer_id: String(id),
        offer_name: '',
        offer_status: '',
        payout: '',
        revenue: '',
        expiration_date: '',
      };
      for (const field of fields) {
        const value = values[field];
        if (value === undefined) continue;
        if (field === 'offer_status') {
          const [canonical, typed] = value as string[];
          request.offer_status = canonical as UpdateRequest['offer_status'];
          cells.offer_status = typed!;
        } else if (field === 'payout' || field === 'revenue') {
          request[field] = Number(value);
          cells[field] = value as string;
        } else {
          request[field] = value as string;
          cells[field] = value as string;
        }
      }
      return { request, cells };
    });
}

const tableArb = fc
  .tuple(
    fc.subarray(FIELDS, { minLength: 1 }),
    fc.uniqueArray(fc.integer({ min: 1, max: 2_147_483_647 }), { minLength: 1, maxLength: 12 }),
  )
  .chain(([fields, ids]) => fc.tuple(fc.constant(fields), fc.tuple(...ids.map((id) => rowArb(id, fields)))));

interface CsvStyle {
  delimiter: ',' | ';' | '\t';
  quoting: 'minimal' | 'all';
  eol: '\n' | '\r\n' | '\r';
  encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';
  sepLine: boolean;
  finalEol: boolean;
  /** Blank lines after each record, cycled. */
  blankLines: number[];
}

const styleArb: fc.Arbitrary<CsvStyle> = fc.record({
  delimiter: fc.constantFrom(',', ';', '\t'),
  quoting: fc.constantFrom('minimal', 'all'),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  encoding: fc.constantFrom('utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be'),
  sepLine: fc.boolean(),
  finalEol: fc.boolean(),
  blankLines: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 3 }),
});

/** Writes the table as the style says; returns the file's bytes and the line each row starts on. */
function writeTable(
  columns: string[],
  rows: string[][],
  style: CsvStyle,
): { bytes: Buffer; lines: number[] } {
  const quote = (cell: string) =>
    style.quoting === 'all' || /[",;\t\r\n]/.test(cell) || cell.includes(style.delimiter)
      ? `"${cell.replace(/"/g, '""')}"`
      : cell;
  const out: string[] = [];
  const lines: number[] = [];
  if (style.sepLine) out.push(`sep=${style.delimiter}`);
  out.push(columns.map(quote).join(style.delimiter));
  rows.forEach((cells, i) => {
    lines.push(out.length + 1);
    out.push(cells.map(quote).join(style.delimiter));
    const blanks = style.blankLines[i % style.blankLines.length]!;
    for (let b = 0; b < blanks && i < rows.length - 1; b++) out.push('');
  });
  const text = out.join(style.eol) + (style.finalEol ? style.eol : '');
  const bytes =
    style.encoding === 'utf-8'
      ? Buffer.from(text)
      : style.encoding === 'utf-8-bom'
        ? Buffer.from(`\ufeff${text}`)
        : style.encoding === 'utf-16le'
          ? Buffer.from(`\ufeff${text}`, 'utf16le')
          : Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  return { bytes, lines };
}

async function dryRunRequests(input: string, dir: string): Promise<Array<[number, UpdateRequest]>> {
  const seen: Array<[number, UpdateRequest]> = [];
  const result = await runBulk({
    input,
    dryRun: true,
    out: join(dir, `${Math.random().toString(36).slice(2)}.results.csv`),
    log: false,
    onDryRunRequest: (row, request) => seen.push([row, request]),
  });
  expect(result.exitCode).toBe(0);
  return seen;
}

describe('a table of valid rows reads back to the same requests', () => {
  it('from CSV written with any delimiter, quoting, line ending, encoding and blank lines', async () => {
    const dir = await tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tableArb, styleArb, async ([fields, rows], style) => {
        const columns = ['offer_id', ...fields];
        const cells = rows.map((row) => columns.map((column) => row.cells[column as 'offer_id' | Field]));
        const { bytes, lines } = writeTable(columns, cells, style);
        const input = join(dir, `table-${n++}.csv`);
        await writeFile(input, bytes);
        const seen = await dryRunRequests(input, dir);
        expect(seen).toEqual(rows.map((row, i) => [lines[i], row.request]));
      }),
      { numRuns: 150 },
    );
  });

  it('from .xlsx with real cell types: numbers, dates and text', async () => {
    const dir = await tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(tableArb, fc.integer({ min: 0, max: 3 }), async ([fields, rows], blankRowsAbove) => {
        const columns = ['offer_id', ...fields];
        const workbook = new ExcelJS.Workbook();
        const sheet = workbook.addWorksheet('Offers');
        for (let i = 0; i < blankRowsAbove; i++) sheet.addRow([]);
        sheet.addRow(columns);
        for (const row of rows) {
          const added = sheet.addRow(
            columns.map((column) => {
              const text = row.cells[column as 'offer_id' | Field];
              if (text === '') return null;
              if (column === 'offer_id' || column === 'payout' || column === 'revenue') return Number(text);
              if (column === 'expiration_date') return new Date(`${text.replace(' ', 'T')}Z`);
              return text;
            }),
          );
          const dateColumn = columns.indexOf('expiration_date');
          if (dateColumn !== -1) added.getCell(dateColumn + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
        }
        const input = join(dir, `table-${n++}.xlsx`);
        await workbook.xlsx.writeFile(input);
        const seen = await dryRunRequests(input, dir);
        expect(seen).toEqual(rows.map((row, i) => [blankRowsAbove + 2 + i, row.request]));
      }),
      { numRuns: 15 },
    );
  });
});
