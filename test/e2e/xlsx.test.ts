import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { API_KEY, readResults, runCli, tempDir } from '../support/helpers.js';
import { workbookEntries, writeZip, zipBytes } from '../support/xlsx-builder.js';

/** .xlsx inputs through the built CLI: formula errors row by row, damage refused before anything is sent. */
const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
const HEADER = `<row r="1">${inline('A1', 'offer_id')}${inline('B1', 'offer_name')}${inline('C1', 'payout')}${inline('D1', 'Notes')}</row>`;
const ROWS =
  HEADER +
  `<row r="2"><c r="A2"><v>3101</v></c>${inline('B2', 'Broken payout')}<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>${inline('D2', 'ok')}</row>` +
  `<row r="3"><c r="A3"><v>3102</v></c>${inline('B3', 'Lookup note')}<c r="C3"><v>12.5</v></c><c r="D3" t="e"><f>VLOOKUP(A3,X!A:B,2,0)</f><v>#N/A</v></c></row>`;

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: API_KEY });
});
afterAll(() => sandbox.close());
const env = () => ({ CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url });

describe('an .xlsx with formula errors, through the CLI', () => {
  it('makes the row whose payout is #DIV/0! invalid, naming the cell, and carries #N/A in Notes as text', async () => {
    const dir = await tempDir();
    const input = await writeZip(
      dir,
      'errors.xlsx',
      workbookEntries({ sheets: [{ name: 'Offers', rows: ROWS }] }),
    );
    const run = await runCli(['apply', input, '--dry-run']);
    expect(run.code).toBe(1);
    const results = await readResults(join(dir, 'errors.dry-run.results.csv'));
    expect(results.map((r) => [r.row, r.status, r.error_code, r.error, r.payout, r.Notes])).toEqual([
      [
        '2',
        'invalid',
        'E_CELL_ERROR',
        'cell C2 holds the formula error #DIV/0! (column payout); fix the formula and export again',
        '#DIV/0!',
        'ok',
      ],
      ['3', 'dry_run', '', '', '12.5', '#N/A'],
    ]);
  });

  it('sends the good row with --skip-invalid, and nothing for the bad one', async () => {
    const dir = await tempDir();
    const input = await writeZip(
      dir,
      'errors.xlsx',
      workbookEntries({ sheets: [{ name: 'Offers', rows: ROWS }] }),
    );
    const before = sandbox.stats.requests;
    const run = await runCli(['apply', input, '--skip-invalid'], { env: env() });
    expect(run.code).toBe(1);
    expect(sandbox.stats.requests - before).toBe(1);
    expect(sandbox.store.offers.get(3102)).toMatchObject({ offer_name: 'Lookup note', payout: 12.5 });
    expect(sandbox.store.offers.get(3101)).toBeUndefined();
  });
});

describe('a damaged .xlsx, through the CLI', () => {
  it('is refused by its checksum with exit 2 and one line, before anything is sent', async () => {
    const entries = workbookEntries({ sheets: [{ name: 'Offers', rows: ROWS.replace('12.5', '22.5') }] }).map(
      (e) => (e.name.endsWith('sheet1.xml') ? { ...e, store: true } : e),
    );
    const bytes = zipBytes(entries);
    bytes.write('7', bytes.indexOf('<v>22.5</v>') + 3);
    const dir = await tempDir();
    const input = join(dir, 'flipped.xlsx');
    await writeFile(input, bytes);
    const before = sandbox.stats.requests;
    const run = await runCli(['apply', input, '--skip-invalid'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `cake-bulk: ${input}: cannot read this workbook (xl/worksheets/sheet1.xml fails its checksum: the file is damaged); open it in Excel and save it again, or export the sheet as CSV UTF-8\n`,
    );
    expect(sandbox.stats.requests).toBe(before);
    expect(existsSync(join(dir, 'flipped.results.csv'))).toBe(false);
  });
});
