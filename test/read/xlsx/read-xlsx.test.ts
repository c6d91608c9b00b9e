import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { FileError } from '../../../src/errors.js';
import { readXlsx } from '../../../src/read/xlsx/read-xlsx.js';
import { formatDate, formatNumber } from '../../../src/read/xlsx/cells.js';
import { FIXTURES, tempDir } from '../../support/helpers.js';

const CORPUS = join(FIXTURES, 'corpus');

type Item = ['header', number, string[]] | ['row', number, string[]];

/** Reads a workbook to a list of items, failing the test if it takes longer than `ms` (a hang). */
async function read(path: string, sheet?: string, ms = 10_000): Promise<Item[]> {
  const items: Item[] = [];
  const reading = (async () => {
    for await (const batch of readXlsx(path, { sheet })) {
      for (const item of batch) {
        items.push(
          item.type === 'header' ? ['header', item.line, item.columns] : ['row', item.row, item.cells],
        );
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`readXlsx did not finish within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([reading, hang]);
  } finally {
    clearTimeout(timer);
  }
  return items;
}

async function readError(path: string, sheet?: string): Promise<FileError> {
  const error = await read(path, sheet).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof FileError) return error;
  throw new Error(`expected a FileError, got ${String(error)}`);
}

describe('formatNumber writes what Excel shows, never in scientific notation', () => {
  it.each([
    [20.5, '20.5'],
    [0.30000000000000004, '0.3'],
    [22.550000000000001, '22.55'],
    [20.000000000000004, '20'],
    [2147483647, '2147483647'],
    [12345678901, '12345678901'],
    [123456789012345, '123456789012345'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [0.0001, '0.0001'],
    [-1.25, '-1.25'],
    [-0, '0'],
    [99999.9999, '99999.9999'],
  ])('%s -> %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
    expect(Number(text)).toBe(Number(value.toPrecision(15)));
  });
});

describe('formatDate', () => {
  it('rounds to the second, since Excel stores times as fractions of a day', () => {
    const serial = 46387.99998842593; // 2026-12-31 23:59:59 as Excel writes it
    expect(formatDate((serial - 25569) * 86_400_000)).toBe('2026-12-31 23:59:59');
    expect(formatDate(Date.UTC(2026, 0, 1, 0, 0, 0, 499))).toBe('2026-01-01 00:00:00');
    expect(formatDate(Date.UTC(2026, 0, 1, 0, 0, 0, 500))).toBe('2026-01-01 00:00:01');
  });
});

describe('readXlsx reads workbooks as their producers write them', () => {
  it("in Excel's zip order, with real cell types", async () => {
    expect(await read(join(CORPUS, 'excel-order.xlsx'))).toEqual([
      ['header', 1, ['offer_id', 'offer_name', 'payout', 'revenue', 'expiration_date']],
      ['row', 2, ['2101', 'Gold & Silver, "US"', '20.5', '22.55', '2026-12-31 23:59:59']],
      ['row', 3, ['2147483647', 'Rich Text', '0.3', '', '2026-01-01 00:00:00']],
      ['row', 6, ['00123', 'Line one\nLine two', '0.00001', '', '2027-01-01 12:00:00']],
    ]);
  });

  it("in LibreOffice's zip order, taking the first tab even when it is not sheet1.xml", async () => {
    expect(await read(join(CORPUS, 'libreoffice-order.xlsx'))).toEqual([
      ['header', 1, ['offer_id', 'payout', 'expiration_date']],
      ['row', 2, ['2201', '3.75', '2026-12-31 12:00:00']],
    ]);
    expect(await read(join(CORPUS, 'libreoffice-order.xlsx'), 'NOTES')).toEqual([
      ['header', 1, ['notes']],
      ['row', 2, ['ignore me']],
    ]);
  });

  it('with inline strings, formula results, the 1904 date system and a hidden first sheet', async () => {
    expect(await read(join(CORPUS, 'inline-strings-1904.xlsx'))).toEqual([
      ['header', 3, ['Offer ID', 'Offer Status', 'Expiration Date', 'Approved']],
      ['row', 4, ['2301', 'active', '2026-12-31 18:00:00', 'TRUE']],
    ]);
  });

  it('as exceljs writes them, from the sheet named with --sheet', async () => {
    expect(await read(join(CORPUS, 'exceljs-workbook.xlsx'), 'Offers')).toEqual([
      [
        'header',
        2,
        ['Offer ID', 'Offer Name', 'Offer Status', 'Payout', 'Revenue', 'Expiration Date', 'Comment'],
      ],
      ['row', 3, ['2501', 'Excel offer', 'Active', '12.34', '24.68', '2026-06-30 12:00:00', 'x']],
      ['row', 4, ['2502', '+1 (555) deal', 'paused', '0.1', '0.0001', '2026-06-30 00:00:00', '']],
      ['row', 5, ['2503', 'Bold move', '', '99999.9999', '', '', '']],
      ['row', 7, ['12345678901', 'id too large', '', '1', '', '', '']],
    ]);
  });

  it('with a formula error as the text Excel shows, and where it is', async () => {
    const rows = [];
    for await (const batch of readXlsx(join(CORPUS, 'error-cell.xlsx'), { sheet: undefined }))
      rows.push(...batch);
    expect(rows).toEqual([
      { type: 'header', columns: ['offer_id', 'offer_name'], line: 1 },
      {
        type: 'row',
        row: 2,
        cells: ['2401', '#N/A'],
        cellErrors: [{ index: 1, address: 'B2', value: '#N/A' }],
      },
    ]);
  });

  it('streaming a large sheet, numbering rows by the sheet', async () => {
    const path = join(await tempDir(), 'large.xlsx');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
    const sheet = workbook.addWorksheet('Offers');
    sheet.addRow(['offer_id', 'offer_name', 'payout']).commit();
    for (let i = 1; i <= 20_000; i++) sheet.addRow([i, `Offer ${i}`, (i % 97) + 0.25]).commit();
    sheet.commit();
    await workbook.commit();
    const items = await read(path, undefined, 30_000);
    expect(items).toHaveLength(20_001);
    expect(items[20_000]).toEqual(['row', 20_001, ['20000', 'Offer 20000', String((20_000 % 97) + 0.25)]]);
  });
});

describe('readXlsx refuses, naming the file and where', () => {
  it('a value in a column without a header', async () => {
    const error = await readError(join(CORPUS, 'unheaded-cell.xlsx'));
    expect(error).toMatchObject({ code: 'E_TOO_MANY_FIELDS', line: 3 });
    expect(error.message).toMatch(/cell D3 on sheet "Offers" has a value but its column has no header/);
  });

  it('a sheet name the workbook does not have, listing the ones it has', async () => {
    const error = await readError(join(CORPUS, 'exceljs-workbook.xlsx'), 'Offerz');
    expect(error).toMatchObject({ code: 'E_SHEET_NOT_FOUND' });
    expect(error.message).toMatch(/no sheet named "Offerz"; the workbook has "Read me", "Offers"$/);
  });

  it('an empty sheet', async () => {
    const path = join(await tempDir(), 'empty.xlsx');
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Blank');
    await workbook.xlsx.writeFile(path);
    expect(await readError(path)).toMatchObject({ code: 'E_EMPTY_FILE' });
  });

  it('a row holding more than 1 MB of text', async () => {
    const path = join(await tempDir(), 'huge-row.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Offers');
    sheet.addRow(['offer_id', ...Array.from({ length: 40 }, (_, i) => `c${i}`)]);
    sheet.addRow([1, ...Array.from({ length: 40 }, () => 'x'.repeat(30_000))]);
    await workbook.xlsx.writeFile(path);
    expect(await readError(path)).toMatchObject({ code: 'E_RECORD_TOO_LARGE', line: 2 });
  });

  it.each([
    ['a workbook cut short', 'truncated.xlsx', /the zip directory is missing/],
    ['a zip that is not a workbook', 'not-a-workbook.xlsx', /not an Excel workbook/],
  ])('%s', async (_, name, why) => {
    const error = await readError(join(CORPUS, name));
    expect(error).toMatchObject({ code: 'E_XLSX', line: undefined });
    expect(error.message).toMatch(why);
  });

  it('a damaged worksheet, without hanging', async () => {
    // Garble the middle of the compressed worksheet: exceljs alone would wait forever on it.
    const bytes = await readFile(join(CORPUS, 'excel-order.xlsx'));
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const header = bytes.indexOf(name) - 30;
    const start = header + 30 + name.length + bytes.readUInt16LE(header + 28);
    const size = bytes.readUInt32LE(header + 18);
    for (let i = start + Math.floor(size / 3); i < start + Math.floor(size / 3) + 24; i++) bytes[i] = 0xff;
    const path = join(await tempDir(), 'damaged.xlsx');
    await writeFile(path, bytes);
    const error = await readError(path);
    expect(error).toMatchObject({ code: 'E_XLSX' });
    expect(error.message).toMatch(/cannot read this workbook \(.+\); open it in Excel and save it again/);
  });
});
