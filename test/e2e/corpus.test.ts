import { copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError } from '../../src/errors.js';
import { runBulk } from '../../src/run/run-bulk.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { UpdateRequest } from '../../src/types.js';
import { API_KEY, FIXTURES, readResults, runCli, tempDir } from '../support/helpers.js';

/**
 * The corpus under fixtures/corpus (see make-corpus.mjs for how each file is made), run through the built
 * CLI as a user would: what each export must read as, and how each bad input must be refused.
 */
const CORPUS = join(FIXTURES, 'corpus');

/** Copies a corpus file into a fresh temp dir, since results are written beside the input. */
async function copy(name: string): Promise<string> {
  const input = join(await tempDir(), name);
  await copyFile(join(CORPUS, name), input);
  return input;
}

const stem = (input: string) => input.replace(/\.[^./]+$/, '');

type Outcome = [row: number, status: string, code: string, error: string];

/** A dry run in-process (the CLI is a thin shell over it; the refusals below go through the CLI). */
async function dryRun(name: string, options: { sheet?: string } = {}) {
  const input = await copy(name);
  const requests: Array<[number, UpdateRequest]> = [];
  const warnings: string[] = [];
  const result = await runBulk({
    input,
    dryRun: true,
    log: false,
    sheet: options.sheet,
    onDryRunRequest: (row, request) => requests.push([row, request]),
    onWarning: (message) => warnings.push(message),
  });
  const results = await readResults(result.results);
  const outcomes: Outcome[] = results.map((r) => [Number(r.row), r.status!, r.error_code!, r.error!]);
  return { exitCode: result.exitCode, results, outcomes, requests, warnings };
}

const decimalHint = 'use a plain non-negative decimal with up to 4 decimal places, e.g. 12.5';
const controlHint = 'contains a control character (line break or tab); remove it';

describe('the corpus reads as its producer meant it (dry run)', () => {
  it.concurrent('Excel "CSV UTF-8": BOM, CRLF, quoted commas and quotes, a formula-like name', async () => {
    const { exitCode, requests, outcomes, results } = await dryRun('excel-utf8-bom-crlf.csv');
    expect(exitCode).toBe(0);
    expect(requests).toEqual([
      [
        2,
        {
          offer_id: 101,
          offer_name: 'Auto Insurance, "Gold" - US',
          offer_status: 'active',
          payout: 20.5,
          revenue: 31.25,
          expiration_date: '2026-12-31 23:59:59',
        },
      ],
      [3, { offer_id: 102, offer_name: 'Café Crème – FR', offer_status: 'inactive', payout: 0.75 }],
      [4, { offer_id: 103, offer_name: '=HYPERLINK("http://x","click")', payout: 12 }],
    ]);
    expect(outcomes.map(([row, status]) => [row, status])).toEqual([
      [2, 'dry_run'],
      [3, 'dry_run'],
      [4, 'dry_run'],
    ]);
    expect(Object.keys(results[0]!)[1]).toBe('offer_id');
    expect(results[2]!.offer_name).toBe(`'=HYPERLINK("http://x","click")`);
  });

  it.concurrent('Excel with sep=; and decimal commas: refused row by row, with a hint', async () => {
    const { exitCode, requests, outcomes } = await dryRun('excel-semicolon-sep.csv');
    expect(exitCode).toBe(1);
    expect(requests).toEqual([[4, { offer_id: 202, offer_name: 'Bonus AT', payout: 20 }]]);
    expect(outcomes).toEqual([
      [
        3,
        'invalid',
        'E_PAYOUT',
        `payout "20,50": has a decimal comma; write it with a dot (e.g. 20.50); ${decimalHint}`,
      ],
      [4, 'dry_run', '', ''],
      [5, 'invalid', 'E_PAYOUT', `payout "1.234,56": is not a number; ${decimalHint}`],
    ]);
  });

  it.concurrent('Excel "Unicode Text": UTF-16 LE, tab-separated', async () => {
    const { exitCode, requests, outcomes } = await dryRun('excel-unicode-text-utf16le.txt');
    expect(exitCode).toBe(1);
    expect(requests).toEqual([
      [2, { offer_id: 301, offer_name: 'Łódź PL', payout: 5.5 }],
      [4, { offer_id: 303, offer_name: '日本のオファー', payout: 7.25 }],
    ]);
    expect(outcomes[1]).toEqual([3, 'invalid', 'E_OFFER_NAME', `offer_name "Tab\\there": ${controlHint}`]);
  });

  it.concurrent('UTF-16 BE with a BOM', async () => {
    const { exitCode, requests } = await dryRun('utf16be-bom.csv');
    expect(exitCode).toBe(0);
    expect(requests).toEqual([
      [2, { offer_id: 401, payout: 1.5 }],
      [3, { offer_id: 402, payout: 2.5 }],
    ]);
  });

  it.concurrent('old Mac CR line endings, a blank line and no final line break', async () => {
    const { exitCode, outcomes } = await dryRun('mac-cr.csv');
    expect(exitCode).toBe(0);
    expect(outcomes.map(([row, status]) => [row, status])).toEqual([
      [2, 'dry_run'],
      [4, 'dry_run'],
      [5, 'dry_run'],
    ]);
  });

  it.concurrent(
    'LibreOffice quoting every text cell, names spanning lines keep their first line',
    async () => {
      const { exitCode, requests, outcomes } = await dryRun('libreoffice-quoted-lf.csv');
      expect(exitCode).toBe(1);
      expect(requests).toEqual([[4, { offer_id: 602, offer_name: 'Says "hi", twice', payout: 2 }]]);
      expect(outcomes).toEqual([
        [2, 'invalid', 'E_OFFER_NAME', `offer_name "Two-line\\nname": ${controlHint}`],
        [4, 'dry_run', '', ''],
        [5, 'invalid', 'E_OFFER_NAME', `offer_name "CRLF\\r\\ninside": ${controlHint}`],
      ]);
    },
  );

  it.concurrent('Google Sheets: CRLF, no final line break, empty cells left alone', async () => {
    const { exitCode, requests, outcomes } = await dryRun('google-sheets.csv');
    expect(exitCode).toBe(1);
    expect(requests).toEqual([
      [2, { offer_id: 701, offer_name: 'Sheets offer', offer_status: 'active' }],
      [3, { offer_id: 702, offer_status: 'pending', payout: 3 }],
    ]);
    expect(outcomes[2]).toEqual([
      4,
      'invalid',
      'E_NO_CHANGES',
      'nothing to change: all of offer_name, offer_status, payout are empty',
    ]);
  });

  it.concurrent('blank lines, rows of bare commas, padded headers, short rows', async () => {
    const { exitCode, requests, outcomes, results } = await dryRun('blank-lines-and-padding.csv');
    expect(exitCode).toBe(1);
    expect(Object.keys(results[0]!).slice(0, 4)).toEqual(['row', ' Offer ID ', ' PAYOUT ', 'Offer-Status']);
    expect(requests).toEqual([
      [3, { offer_id: 801, offer_status: 'active', payout: 1.5 }],
      [6, { offer_id: 802, payout: 2 }],
      [9, { offer_id: 804, offer_status: 'inactive' }],
    ]);
    expect(outcomes[2]).toEqual([
      7,
      'invalid',
      'E_NO_CHANGES',
      'nothing to change: all of offer_status, payout are empty',
    ]);
  });

  it.concurrent('tab-separated values, a comma inside a value is no delimiter', async () => {
    const { exitCode, requests, results, warnings } = await dryRun('tab-separated.tsv');
    expect(exitCode).toBe(0);
    expect(warnings).toEqual(['columns not used by cake-bulk, carried into the results as they are: notes']);
    expect(requests).toEqual([[2, { offer_id: 901, payout: 9.5 }]]);
    expect(results[0]!.notes).toBe('not, a comma split');
  });

  it.concurrent('quotes typed inside unquoted values, as Excel reads them', async () => {
    const { exitCode, requests } = await dryRun('stray-quotes.csv');
    expect(exitCode).toBe(0);
    expect(requests).toEqual([
      [2, { offer_id: 1701, offer_name: '27" monitor' }],
      [3, { offer_id: 1702, offer_name: '"Quoted" tail' }],
    ]);
  });

  it.concurrent('.xlsx in Excel zip order: exact numbers, dates, rich text; row = sheet row', async () => {
    const { exitCode, requests, outcomes } = await dryRun('excel-order.xlsx');
    expect(exitCode).toBe(1);
    expect(requests).toEqual([
      [
        2,
        {
          offer_id: 2101,
          offer_name: 'Gold & Silver, "US"',
          payout: 20.5,
          revenue: 22.55,
          expiration_date: '2026-12-31 23:59:59',
        },
      ],
      [
        3,
        {
          offer_id: 2147483647,
          offer_name: 'Rich Text',
          payout: 0.3,
          expiration_date: '2026-01-01 00:00:00',
        },
      ],
    ]);
    expect(outcomes[2]).toEqual([
      6,
      'invalid',
      'E_OFFER_NAME',
      `offer_name "Line one\\nLine two": ${controlHint}; payout "0.00001": has more than 4 decimal places; ${decimalHint}`,
    ]);
  });

  it.concurrent('.xlsx in LibreOffice zip order, first tab stored second', async () => {
    const { exitCode, requests } = await dryRun('libreoffice-order.xlsx');
    expect(exitCode).toBe(0);
    expect(requests).toEqual([[2, { offer_id: 2201, payout: 3.75, expiration_date: '2026-12-31 12:00:00' }]]);
  });

  it.concurrent('.xlsx with inline strings, 1904 dates and a hidden first sheet', async () => {
    const { exitCode, requests, results } = await dryRun('inline-strings-1904.xlsx');
    expect(exitCode).toBe(0);
    expect(requests).toEqual([
      [4, { offer_id: 2301, offer_status: 'active', expiration_date: '2026-12-31 18:00:00' }],
    ]);
    expect(results[0]!.Approved).toBe('TRUE');
  });

  it.concurrent('.xlsx written by exceljs, read from --sheet; long ids stay digits', async () => {
    const { exitCode, requests, outcomes } = await dryRun('exceljs-workbook.xlsx', { sheet: 'Offers' });
    expect(exitCode).toBe(1);
    expect(requests).toEqual([
      [
        3,
        {
          offer_id: 2501,
          offer_name: 'Excel offer',
          offer_status: 'active',
          payout: 12.34,
          revenue: 24.68,
          expiration_date: '2026-06-30 12:00:00',
        },
      ],
      [5, { offer_id: 2503, offer_name: 'Bold move', payout: 99999.9999 }],
    ]);
    expect(outcomes.map(([row, status, code]) => [row, status, code])).toEqual([
      [3, 'dry_run', ''],
      [4, 'invalid', 'E_OFFER_STATUS'],
      [5, 'dry_run', ''],
      [7, 'invalid', 'E_OFFER_ID'],
    ]);
    expect(outcomes[3]![3]).toBe('offer_id "12345678901": must be a whole number from 1 to 2147483647');
  });
});

describe('a formula error in a cell is a bad row, not a bad file', () => {
  it.concurrent('.xlsx with #N/A in offer_name: that row is invalid, naming the cell', async () => {
    const { exitCode, requests, outcomes, results } = await dryRun('error-cell.xlsx');
    expect(exitCode).toBe(1);
    expect(requests).toEqual([]);
    expect(outcomes).toEqual([
      [
        2,
        'invalid',
        'E_CELL_ERROR',
        'cell B2 holds the formula error #N/A (column offer_name); fix the formula and export again',
      ],
    ]);
    expect(results[0]!.offer_name).toBe('#N/A');
  });
});

describe('the corpus refuses bad input: exit 2, one line naming file and line, nothing sent', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: API_KEY });
  });
  afterAll(() => sandbox.close());

  const cases: Array<[string, string[], string]> = [
    ['empty.csv', [], ': the file is empty (or has only blank lines): expected a header row with offer_id'],
    [
      'only-blank-lines.csv',
      [],
      ': the file is empty (or has only blank lines): expected a header row with offer_id',
    ],
    [
      'picture.csv',
      [],
      ':3: this is not a text file (it holds NUL or control bytes); export the sheet as CSV UTF-8 or give the .xlsx file',
    ],
    [
      'nul-in-text.csv',
      [],
      ':3: this is not a text file (it holds NUL or control bytes); export the sheet as CSV UTF-8 or give the .xlsx file',
    ],
    [
      'windows-1252.csv',
      [],
      ':3: this line is not valid UTF-8 text (it was probably saved in a regional encoding such as Windows-1252); save the file again as "CSV UTF-8 (Comma delimited)"',
    ],
    [
      'utf16le-no-bom.csv',
      [],
      ': looks like UTF-16 text without a byte-order mark; save it again as "CSV UTF-8 (Comma delimited)"',
    ],
    [
      'truncated-utf16le.txt',
      [],
      ':3: this line is not valid UTF-16LE text (it is cut short or damaged); save the file again as "CSV UTF-8 (Comma delimited)"',
    ],
    [
      'unclosed-quote.csv',
      [],
      ':3: a quoted value starting on this line is never closed; add the closing double quote',
    ],
    [
      'too-many-fields.csv',
      [],
      ':3: this row has 3 cells but the header has 2 columns; a value probably holds an unquoted comma (wrap such values in double quotes)',
    ],
    [
      'title-row.csv',
      [],
      ':1: no offer_id column in the header row; saw "Offer changes for March"; expected offer_id and one or more of offer_name, offer_status, payout, revenue, expiration_date',
    ],
    [
      'title-row.xlsx',
      [],
      ':1: no offer_id column in the header row; saw "Offer changes for March"; expected offer_id and one or more of offer_name, offer_status, payout, revenue, expiration_date',
    ],
    [
      'exceljs-workbook.xlsx',
      [],
      ':1: no offer_id column in the header row; saw "This workbook updates offers; see the Offers sheet"; expected offer_id and one or more of offer_name, offer_status, payout, revenue, expiration_date',
    ],
    [
      'exceljs-workbook.xlsx',
      ['--sheet', 'Offerz'],
      ': no sheet named "Offerz"; the workbook has "Read me", "Offers"',
    ],
    [
      'unheaded-cell.xlsx',
      [],
      ':3: cell D3 on sheet "Offers" has a value but its column has no header; add a header or clear the cell',
    ],
    [
      'truncated.xlsx',
      [],
      ': cannot read this workbook (the zip directory is missing: the file is cut short or damaged); open it in Excel and save it again, or export the sheet as CSV UTF-8',
    ],
    [
      'not-a-workbook.xlsx',
      [],
      ': this zip file is not an Excel workbook (it has no xl/workbook.xml); give an .xlsx file or a CSV export',
    ],
    [
      'spreadsheet.ods',
      [],
      ': this is an OpenDocument spreadsheet (.ods); save it as .xlsx or as CSV UTF-8 and give that file',
    ],
    [
      'legacy.xls',
      [],
      ': this is an Excel 97-2003 .xls workbook or a password-protected file; save it as .xlsx (without a password) or as CSV UTF-8',
    ],
    [
      'google-sheets.csv',
      ['--sheet', 'Offers'],
      ': --sheet only applies to .xlsx workbooks, and this is a text (CSV) file',
    ],
  ];

  // Every refusal goes through the library; these also through the CLI, for the exit code and the one
  // stderr line (the CLI prints the library's message after "cake-bulk: ").
  const VIA_CLI = new Set([
    'windows-1252.csv',
    'unclosed-quote.csv',
    'unheaded-cell.xlsx',
    'spreadsheet.ods',
  ]);

  it.concurrent.each(cases)('%s %j', async (name, flags, message) => {
    const input = await copy(name);
    const sheet = flags[0] === '--sheet' ? flags[1] : undefined;
    const error = await runBulk({
      input,
      baseUrl: sandbox.url,
      apiKey: API_KEY,
      log: false,
      readCurrent: false,
      sheet,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect(error).toMatchObject({ message: `${input}${message}`, exitCode: 2 });
    if (VIA_CLI.has(name) || flags.length > 0) {
      const run = await runCli(['apply', input, ...flags], {
        env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url },
      });
      expect(run.stderr).toBe(`cake-bulk: ${input}${message}\n`);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    }
    expect(existsSync(`${stem(input)}.results.csv`)).toBe(false);
    expect(sandbox.stats.requests).toBe(0);
  });

  it('a record over 1 MB, without a stack trace', async () => {
    const input = join(await tempDir(), 'huge.csv');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(input, `offer_id,offer_name\r\n1,a\r\n2,"${'x'.repeat(1_100_000)}"\r\n3,b\r\n`);
    const run = await runCli(['apply', input], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url },
    });
    expect(run.stderr).toBe(
      `cake-bulk: ${input}:3: the record starting on this line is larger than 1 MB; is a quote left open above or inside it?\n`,
    );
    expect(run.code).toBe(2);
    expect(sandbox.stats.requests).toBe(0);
  });

  it('sends nothing for a header-only file: exit 0 with a "nothing to do" warning', async () => {
    const input = await copy('header-only.csv');
    const run = await runCli(['apply', input], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'cake-bulk: warning: the file has a header but no data rows: nothing to do\n',
    );
    expect(run.stderr).toContain('cake-bulk: 0 rows');
    expect(await readResults(`${stem(input)}.results.csv`)).toEqual([]);
    expect(sandbox.stats.requests).toBe(0);
    // A dry run of it gives no "looks good; send it" advice either.
    const dry = await runCli(['apply', input, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('nothing to do');
    expect(dry.stderr).not.toContain('next:');
  });
});

describe('decimal commas end to end', () => {
  it('apply sends nothing while rows are invalid, and only the valid row with --skip-invalid', async () => {
    const sandbox = await startSandbox({ apiKey: API_KEY });
    try {
      const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url };
      const input = await copy('excel-semicolon-sep.csv');
      const blocked = await runCli(['apply', input], { env });
      expect(blocked.code).toBe(1);
      expect(sandbox.stats.requests).toBe(0);
      const statuses = (await readResults(`${stem(input)}.results.csv`)).map((r) => [
        r.row,
        r.status,
        r.error_code,
      ]);
      expect(statuses).toEqual([
        ['3', 'invalid', 'E_PAYOUT'],
        ['4', 'skipped', 'E_FILE_HAS_INVALID_ROWS'],
        ['5', 'invalid', 'E_PAYOUT'],
      ]);
      const sent = await runCli(['apply', input, '--skip-invalid', '--force'], { env });
      expect(sent.code).toBe(1);
      expect(sandbox.stats.requests).toBe(1);
      expect(sandbox.store.offers.get(202)).toMatchObject({ offer_name: 'Bonus AT', payout: 20 });
      expect(sandbox.store.offers.get(201)).toBeUndefined();
    } finally {
      await sandbox.close();
    }
  });
});
