import { describe, expect, it } from 'vitest';
import type { TableItem } from '../../../src/read/table.js';
import { tempDir } from '../../support/helpers.js';
import {
  readAll,
  readError,
  workbookEntries,
  writeZip,
  type WorkbookSpec,
} from '../../support/xlsx-builder.js';

/** Which sheet is read, found through workbook.xml and its relationships, whatever the zip's layout. */
const table = (id: string, note: string) =>
  `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
  `<row r="2"><c r="A2"><v>${id}</v></c><c r="B2" t="inlineStr"><is><t>${note}</t></is></c></row>`;
const STRINGS = ['offer_id', 'notes'];

async function read(spec: WorkbookSpec, sheet?: string, order?: (names: string[]) => string[]) {
  let entries = workbookEntries({ strings: STRINGS, ...spec });
  if (order) {
    const names = order(entries.map((e) => e.name));
    entries = names.map((name) => entries.find((e) => e.name === name)!);
  }
  const path = await writeZip(await tempDir(), 'book.xlsx', entries);
  return { path, items: sheet === 'refused' ? [] : await readAll(path, sheet) };
}

const cells = (items: TableItem[]) => items.map((item) => (item.type === 'row' ? item.cells : item.columns));

describe('the sheet a workbook is read from', () => {
  const sheets = [
    { name: 'Offers', rows: table('1', 'first') },
    { name: 'Notes', rows: table('2', 'second') },
  ];

  it.each([
    ['as Excel stores them', (names: string[]) => names],
    ['reversed', (names: string[]) => [...names].reverse()],
    [
      'sheets first, workbook.xml last',
      (names: string[]) => [...names].sort((a) => (a.includes('worksheets') ? -1 : 1)),
    ],
    [
      'shared strings after everything',
      (names: string[]) => [...names.filter((n) => !n.includes('shared')), 'xl/sharedStrings.xml'],
    ],
  ])('is the same whatever order the zip stores its parts in: %s', async (_, order) => {
    const { items } = await read({ sheets }, undefined, order);
    expect(cells(items)).toEqual([
      ['offer_id', 'notes'],
      ['1', 'first'],
    ]);
  });

  it('skips hidden sheets when none is named', async () => {
    for (const state of ['hidden', 'veryHidden'] as const) {
      const { items } = await read({ sheets: [{ ...sheets[0]!, state }, sheets[1]!] });
      expect(cells(items)[1]).toEqual(['2', 'second']);
    }
  });

  it('is the one named with --sheet, ignoring case, hidden or not', async () => {
    expect(cells((await read({ sheets }, 'NOTES')).items)[1]).toEqual(['2', 'second']);
    const hidden = [sheets[0]!, { ...sheets[1]!, state: 'hidden' as const }];
    expect(cells((await read({ sheets: hidden }, 'notes')).items)[1]).toEqual(['2', 'second']);
  });

  it('is found by its relationship, whatever its part is called and wherever it is', async () => {
    for (const [target, part] of [
      ['worksheets/data/offers.xml', 'xl/worksheets/data/offers.xml'],
      ['/xl/tabs/First%20Tab.xml', 'xl/tabs/First Tab.xml'],
      ['worksheets/../sheets/one.xml', 'xl/sheets/one.xml'],
      ['Worksheets/Sheet1.XML', 'xl/worksheets/sheet1.xml'],
    ]) {
      const { items } = await read({ sheets: [{ ...sheets[0]!, target, part }] });
      expect(cells(items)[1], target).toEqual(['1', 'first']);
    }
  });

  it('skips a chart sheet in first place, and refuses one named with --sheet', async () => {
    const chart = {
      name: 'Chart',
      type: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet',
      xml: '<chartsheet/>',
    };
    expect(cells((await read({ sheets: [chart, sheets[1]!] })).items)[1]).toEqual(['2', 'second']);
    const { path } = await read({ sheets: [chart, sheets[1]!] }, 'refused');
    expect(await readError(path, 'chart')).toMatchObject({
      code: 'E_SHEET_NOT_FOUND',
      message: expect.stringMatching(/sheet "Chart" holds no cells \(it is a chart or macro sheet\)/),
    });
  });

  it('reads elements written with a namespace prefix (x:row) as any other', async () => {
    const prefixed =
      '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
      table('3', 'prefixed').replace(/<(\/?)(row|c|v|is|t)\b/g, '<$1x:$2') +
      '</x:sheetData></x:worksheet>';
    expect(cells((await read({ sheets: [{ name: 'Offers', xml: prefixed }] })).items)[1]).toEqual([
      '3',
      'prefixed',
    ]);
  });

  it('refuses a sheet name the workbook does not have, and a workbook without sheets', async () => {
    const { path } = await read({ sheets }, 'refused');
    expect(await readError(path, 'Offerz')).toMatchObject({
      code: 'E_SHEET_NOT_FOUND',
      message: expect.stringMatching(/no sheet named "Offerz"; the workbook has "Offers", "Notes"$/),
    });
    const empty = await read({ sheets: [] }, 'refused');
    expect(await readError(empty.path)).toMatchObject({
      code: 'E_SHEET_NOT_FOUND',
      message: expect.stringMatching(/the workbook has no sheets: pick one with --sheet NAME$/),
    });
  });

  it('refuses a sheet whose part is not in the zip', async () => {
    const entries = workbookEntries({ sheets, strings: STRINGS }).filter(
      (e) => !e.name.endsWith('sheet1.xml'),
    );
    const path = await writeZip(await tempDir(), 'missing.xlsx', entries);
    expect(await readError(path)).toMatchObject({
      code: 'E_XLSX',
      message: expect.stringMatching(
        /the cells of sheet "Offers" \(xl\/worksheets\/sheet1\.xml\) are not in the file/,
      ),
    });
  });
});
