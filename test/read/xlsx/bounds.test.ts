import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../../support/helpers.js';
import { readError, sheetXml, workbookEntries, writeZip, type ZipInput } from '../../support/xlsx-builder.js';

/**
 * Past any of the reader's bounds (src/read/xlsx/limits.ts) a workbook is refused with one line, E_XLSX,
 * quickly: never a hang, never memory that grows with what the file claims.
 */
const HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>offer_id</t></is></c></row>';

function withSheet(sheet: string | Omit<ZipInput, 'name'>): ZipInput[] {
  const part = typeof sheet === 'string' ? { data: sheet } : sheet;
  return [
    ...workbookEntries({ sheets: [{ name: 'Offers' }] }).filter((e) => !e.name.includes('sheet1')),
    { name: 'xl/worksheets/sheet1.xml', ...part },
  ];
}

async function refusal(sheet: string | Omit<ZipInput, 'name'>): Promise<string> {
  const path = await writeZip(await tempDir(), 'bounds.xlsx', withSheet(sheet));
  const error = await readError(path);
  expect(error).toMatchObject({ code: 'E_XLSX', line: undefined });
  return error.message;
}

describe('bounds on a workbook', () => {
  it('refuses 10 million empty rows (an 87 KB zip bomb) within seconds', async () => {
    const started = performance.now();
    const dir = await tempDir();
    const path = await writeZip(dir, 'bomb.xlsx', withSheet(sheetXml('<row/>'.repeat(10_000_000))));
    const run = await runCli(['apply', path, '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `cake-bulk: ${path}: cannot read this workbook (xl/worksheets/sheet1.xml has more than 1,048,576 rows, Excel's limit); open it in Excel and save it again, or export the sheet as CSV UTF-8\n`,
    );
    expect(performance.now() - started).toBeLessThan(8_000);
  });

  it('refuses a row numbered past 1,048,576', async () => {
    expect(await refusal(sheetXml(`${HEADER}<row r="1048577"><c><v>1</v></c></row>`))).toMatch(
      /xl\/worksheets\/sheet1\.xml has a row past 1,048,576, Excel's last/,
    );
  });

  it.each([
    ['rows out of order', `${HEADER}<row r="3"/><row r="2"/>`, /has row 2 after row 3: rows out of order/],
    ['a row inside a row', '<row r="1"><row r="2"/></row>', /has a row inside row 1/],
    ['a row number that is not one', '<row r="2a"/>', /has a row numbered "2a"/],
    ['a cell past column XFD', '<row r="1"><c r="XFE1"><v>1</v></c></row>', /has a cell past column XFD/],
    [
      'a cell reference that does not parse',
      '<row r="1"><c r="1A"><v>1</v></c></row>',
      /has a cell reference that is not one: "1A"/,
    ],
    [
      'a cell reference without a row',
      '<row r="1"><c r="B"><v>1</v></c></row>',
      /has a cell reference that is not one: "B"/,
    ],
    [
      'cells out of order',
      '<row r="1"><c r="B1"/><c r="A1"/></row>',
      /has cell A1 after B1: cells out of order/,
    ],
    [
      'a shared string the workbook does not have',
      '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
      /refers to shared string 7, which is not in the workbook/,
    ],
  ])('refuses %s', async (_, rows, why) => {
    expect(await refusal(sheetXml(rows))).toMatch(why);
  });

  it('refuses a row of more than 16,384 cells', async () => {
    expect(await refusal(sheetXml(`<row r="1">${'<c><v>1</v></c>'.repeat(16_385)}</row>`))).toMatch(
      /has more than 16,384 cells in row 1/,
    );
  });

  it('refuses a sheet the zip says is over 2 GiB before reading it', async () => {
    const message = await refusal({ data: sheetXml(HEADER), claim: { size: 3 * 1024 ** 3 } });
    expect(message).toMatch(
      /xl\/worksheets\/sheet1\.xml is 3,072 MiB uncompressed, over the 2,048 MiB cake-bulk reads/,
    );
  });

  it('refuses an entry that would expand over 1000 times, as only a bomb does', async () => {
    const message = await refusal({ data: sheetXml(HEADER), claim: { size: 60 * 1024 ** 2 } });
    expect(message).toMatch(
      /xl\/worksheets\/sheet1\.xml expands over 1000 times: a zip bomb, not a spreadsheet/,
    );
  });

  it('refuses one XML text or tag of over 2,000,000 characters while it is still being read', async () => {
    const message = await refusal(
      sheetXml(`<row r="1"><c r="A1" t="str"><v>${'x'.repeat(3_000_000)}</v></c></row>`),
    );
    expect(message).toMatch(/holds one XML text or tag of over 2,000,000 characters/);
  });

  it('refuses elements nested over 1,000 deep', async () => {
    expect(await refusal(sheetXml(`${'<x>'.repeat(1001)}${'</x>'.repeat(1001)}`))).toMatch(
      /nests elements over 1000 deep/,
    );
  });

  it('refuses a tag with over 1,000 attributes', async () => {
    const attributes = Array.from({ length: 1001 }, (_, i) => ` a${i}="1"`).join('');
    expect(await refusal(sheetXml(`<row r="1"${attributes}/>`))).toMatch(/with over 1000 attributes/);
  });
});
