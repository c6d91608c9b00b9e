import { describe, expect, it } from 'vitest';
import { readXlsx } from '../../../src/read/xlsx/read-xlsx.js';
import { tempDir } from '../../support/helpers.js';
import { sheetXml, workbookEntries, writeZip } from '../../support/xlsx-builder.js';

/**
 * Reading a sheet holds a batch of rows at a time, whatever the sheet's length. (The exceljs reader
 * this replaced left a promise reaction behind for every row.) Heap is sampled while a long sheet is
 * read: past the start, it must not grow with the rows read.
 */
const ROWS = 200_000;

function sheetRows(): string {
  const header = ['offer_id', 'offer_name', 'offer_status', 'payout', 'expiration_date']
    .map((name, i) => `<c r="${'ABCDE'[i]}1" t="inlineStr"><is><t>${name}</t></is></c>`)
    .join('');
  const rows = [`<row r="1">${header}</row>`];
  for (let r = 2; r <= ROWS + 1; r++) {
    rows.push(
      `<row r="${r}"><c r="A${r}"><v>${100_000 + r}</v></c><c r="B${r}" t="s"><v>${r % 50}</v></c>` +
        `<c r="C${r}" t="s"><v>${50 + (r % 3)}</v></c><c r="D${r}"><v>${(r % 120) + 0.25}</v></c>` +
        `<c r="E${r}" s="2"><v>${46000 + (r % 365) + 0.5}</v></c></row>`,
    );
  }
  return sheetXml(rows.join(''));
}

describe('memory while reading a long sheet', () => {
  it(`stays flat over ${ROWS.toLocaleString('en-US')} rows`, async () => {
    const strings = [
      ...Array.from({ length: 50 }, (_, i) => `Offer name ${i}`),
      'active',
      'paused',
      'pending',
    ];
    const entries = workbookEntries({ sheets: [{ name: 'Offers', rows: '' }], strings }).map((entry) =>
      entry.name.endsWith('sheet1.xml') ? { ...entry, data: sheetRows() } : entry,
    );
    const path = await writeZip(await tempDir(), 'long.xlsx', entries);
    // The highest heap seen in each fifth of the sheet: the young generation comes and goes within one,
    // so comparing highs compares what stays.
    const highs = [0, 0, 0, 0, 0];
    let read = 0;
    for await (const batch of readXlsx(path, { sheet: undefined })) {
      read += batch.length;
      const fifth = Math.min(4, Math.floor((read / (ROWS + 1)) * 5));
      highs[fifth] = Math.max(highs[fifth]!, process.memoryUsage().heapUsed);
    }
    expect(read).toBe(ROWS + 1);
    const mb = (bytes: number) => Math.round(bytes / 1024 ** 2);
    // Rows kept by mistake, even 100 bytes each, would add 16 MB between the second fifth and the last.
    expect(mb(highs[4]! - highs[1]!), `heap highs by fifth, MB: ${highs.map(mb).join(', ')}`).toBeLessThan(
      12,
    );
  });
});
