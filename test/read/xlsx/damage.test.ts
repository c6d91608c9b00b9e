import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/helpers.js';
import {
  readAll,
  readError,
  sheetXml,
  workbookEntries,
  writeZip,
  zipBytes,
  type ZipInput,
} from '../../support/xlsx-builder.js';

/** A damaged workbook is refused with E_XLSX naming the part, never read as good. */
const ROWS =
  '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' +
  '<row r="2"><c r="A2"><v>2101</v></c><c r="B2"><v>20.5</v></c></row>' +
  '<row r="3"><c r="A3"><v>2102</v></c><c r="B3"><v>30.5</v></c></row>';
const STRINGS = ['offer_id', 'payout'];

/** The workbook's parts, the sheet and the strings stored rather than deflated so a byte can be changed. */
function entries(rows = ROWS): ZipInput[] {
  return workbookEntries({ sheets: [{ name: 'Offers', rows }], strings: STRINGS }).map((entry) =>
    /sheet1|sharedStrings/.test(entry.name) ? { ...entry, store: true } : entry,
  );
}

/** Writes the zip with the first occurrence of `from` (inside the stored parts) changed to `to`. */
async function withBytesChanged(from: string, to: string): Promise<string> {
  const bytes = zipBytes(entries());
  const at = bytes.indexOf(from);
  expect(at).toBeGreaterThan(0);
  bytes.write(to, at);
  const path = join(await tempDir(), 'changed.xlsx');
  await writeFile(path, bytes);
  return path;
}

const cannotRead = (why: string) =>
  new RegExp(
    `: cannot read this workbook \\(${why}\\); open it in Excel and save it again, or export the sheet as CSV UTF-8$`,
  );

describe('a damaged .xlsx is refused, naming the part', () => {
  it('reads the undamaged workbook, as a control', async () => {
    const path = await writeZip(await tempDir(), 'good.xlsx', entries());
    expect((await readAll(path)).map((item) => (item.type === 'row' ? item.cells : item.columns))).toEqual([
      ['offer_id', 'payout'],
      ['2101', '20.5'],
      ['2102', '30.5'],
    ]);
  });

  it('a flipped byte in the sheet, by its checksum (20.5 read as 70.5 before)', async () => {
    const error = await readError(await withBytesChanged('<v>20.5</v>', '<v>70.5</v>'));
    expect(error).toMatchObject({ code: 'E_XLSX', line: undefined });
    expect(error.message).toMatch(
      cannotRead('xl/worksheets/sheet1.xml fails its checksum: the file is damaged'),
    );
  });

  it('a flipped byte in the shared strings, by its checksum', async () => {
    const error = await readError(await withBytesChanged('<t>payout</t>', '<t>pay0ut</t>'));
    expect(error).toMatchObject({ code: 'E_XLSX' });
    expect(error.message).toMatch(cannotRead('xl/sharedStrings.xml fails its checksum: the file is damaged'));
  });

  it('a flipped byte that breaks the XML, by its checksum rather than the XML error it caused', async () => {
    const error = await readError(await withBytesChanged('<v>20.5</v>', '<v>20.5</w>'));
    expect(error.message).toMatch(
      cannotRead('xl/worksheets/sheet1.xml fails its checksum: the file is damaged'),
    );
  });

  it('garbled compressed bytes, without hanging', async () => {
    const bytes = zipBytes(
      workbookEntries({ sheets: [{ name: 'Offers', rows: ROWS.repeat(1) }], strings: STRINGS }),
    );
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    const header = bytes.indexOf(name) - 30;
    const start = header + 30 + name.length;
    const size = bytes.readUInt32LE(header + 18);
    for (let i = start + Math.floor(size / 3); i < start + Math.floor(size / 3) + 8; i++) bytes[i] = 0xff;
    const path = join(await tempDir(), 'garbled.xlsx');
    await writeFile(path, bytes);
    const error = await readError(path);
    expect(error).toMatchObject({ code: 'E_XLSX' });
    expect(error.message).toMatch(
      /cannot read this workbook \(xl\/worksheets\/sheet1\.xml (is damaged|fails its checksum)/,
    );
  });

  it('a sheet cut off in the middle of a row, even when its checksum is right', async () => {
    const cut = sheetXml(ROWS).slice(0, sheetXml(ROWS).indexOf('<c r="B3">'));
    const path = await writeZip(await tempDir(), 'cut.xlsx', [
      ...entries().filter((e) => !e.name.includes('sheet1')),
      { name: 'xl/worksheets/sheet1.xml', data: cut },
    ]);
    const error = await readError(path);
    expect(error).toMatchObject({ code: 'E_XLSX' });
    expect(error.message).toMatch(
      cannotRead('xl/worksheets/sheet1.xml ends in the middle \\(cut short or damaged\\)'),
    );
  });

  it('a sheet whose XML is broken, with the reason', async () => {
    const path = await writeZip(
      await tempDir(),
      'broken.xlsx',
      entries('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></row>'),
    );
    expect((await readError(path)).message).toMatch(
      /xl\/worksheets\/sheet1\.xml is not well-formed XML \(<\/row> closes <c>\)/,
    );
  });

  it('a sheet that is not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from(sheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>Caf')),
      Buffer.from([0xe9]),
      Buffer.from('</t></is></c></row>'),
    ]);
    const path = await writeZip(await tempDir(), 'latin1.xlsx', [
      ...entries().filter((e) => !e.name.includes('sheet1')),
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.concat([bytes, Buffer.from('</sheetData></worksheet>')]),
      },
    ]);
    expect((await readError(path)).message).toMatch(/xl\/worksheets\/sheet1\.xml is not UTF-8 text/);
  });

  it.each([
    ['smaller', -10, /xl\/worksheets\/sheet1\.xml holds more than the \d+ bytes the zip says: damaged/],
    ['larger', 10, /xl\/worksheets\/sheet1\.xml holds \d+ bytes, not the \d+ the zip says: damaged/],
  ])('an entry whose size the zip states %s than it is', async (_, delta, why) => {
    const sheet = sheetXml(ROWS);
    const path = await writeZip(await tempDir(), 'lying.xlsx', [
      ...entries().filter((e) => !e.name.includes('sheet1')),
      { name: 'xl/worksheets/sheet1.xml', data: sheet, claim: { size: Buffer.byteLength(sheet) + delta } },
    ]);
    const error = await readError(path);
    expect(error).toMatchObject({ code: 'E_XLSX' });
    expect(error.message).toMatch(why);
  });

  it('a stored entry whose two sizes disagree, from the zip directory', async () => {
    const path = await writeZip(await tempDir(), 'stored.xlsx', [
      ...entries().filter((e) => !e.name.includes('sheet1')),
      { name: 'xl/worksheets/sheet1.xml', data: sheetXml(ROWS), store: true, claim: { size: 5 } },
    ]);
    expect((await readError(path)).message).toMatch(
      /the zip directory is damaged: compressed\/uncompressed size mismatch/,
    );
  });

  it('a zip that lists one part twice', async () => {
    const path = await writeZip(await tempDir(), 'twice.xlsx', [...entries(), entries().at(-1)!]);
    expect((await readError(path)).message).toMatch(/the zip holds xl\/sharedStrings\.xml twice/);
  });

  it('a workbook cut short, by its missing directory', async () => {
    const bytes = zipBytes(entries());
    const path = join(await tempDir(), 'short.xlsx');
    await writeFile(path, bytes.subarray(0, bytes.length - 40));
    expect((await readError(path)).message).toMatch(/the zip directory (is missing|is damaged)/);
    await writeFile(path, (await readFile(path)).subarray(0, 200));
    expect((await readError(path)).message).toMatch(
      cannotRead('the zip directory is missing: the file is cut short or damaged'),
    );
  });
});
