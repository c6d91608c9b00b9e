import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protectCell, restoreCell } from '../../src/record/csv-safe.js';

import { API_KEY, readResults, runCli, tempDir, writeCsv, sandboxFor } from '../support/helpers.js';

// OWASP CSV injection: a cell starting with one of these is evaluated by Excel.
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r'];

describe('protectCell', () => {
  it.each(FORMULA_STARTS)('prefixes a cell starting with %j with an apostrophe', (start) => {
    expect(protectCell(`${start}1+1`)).toBe(`'${start}1+1`);
  });

  it.each(['', 'plain', "'quoted", "it's", '1=1', ' =not first'])('leaves %j as it is', (value) => {
    expect(protectCell(value)).toBe(value);
  });

  it.each(['-5', '+1.5', '-0.25', '+7', '-.5'])(
    'writes the plain number %j as it is: a number is not a formula',
    (value) => {
      expect(protectCell(value)).toBe(value);
      expect(restoreCell(value)).toBe(value);
    },
  );

  it.each(['-5+1', '+1.5e3x', '-A1', '-'])('still protects %j, which a spreadsheet would run', (value) => {
    expect(protectCell(value)).toBe(`'${value}`);
  });

  it("restores a number an earlier version protected ('-5), so rerun sends -5", () => {
    expect(restoreCell("'-5")).toBe('-5');
  });

  it('protects a value that already starts with an apostrophe and a formula, so it can be told apart', () => {
    expect(protectCell("'=1+1")).toBe("''=1+1");
    expect(restoreCell("''=1+1")).toBe("'=1+1");
  });

  it('is undone exactly by restoreCell, for any text', () => {
    const risky = fc.constantFrom(...FORMULA_STARTS, "'", "''", '"', ' ', '');
    const text = fc.tuple(risky, fc.string(), fc.string()).map(([a, b, c]) => a + b + c);
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (value) => {
        const safe = protectCell(value);
        expect(restoreCell(safe)).toBe(value);
        if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(safe)) expect(FORMULA_STARTS).not.toContain(safe[0]);
      }),
      { numRuns: 2000 },
    );
  });
});

const NAMES: Array<[number, string]> = [
  [11, '=HYPERLINK("http://x","click")'],
  [12, '+1 (555) deal'],
  [13, '-5% off'],
  [14, '@home'],
  [15, "'=already quoted"],
  [16, 'Plain name'],
];

describe('results are safe to open in Excel, and rerun sends what the user wrote', () => {
  it('round-trips =HYPERLINK(...) and friends through a failed apply and a rerun', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const lines = [
      'offer_id,offer_name,@note',
      ...NAMES.map(([id, name]) => `${id},"${name.replace(/"/g, '""')}",=1+1`),
    ];
    const input = await writeCsv(dir, 'offers.csv', `${lines.join('\n')}\n`);
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };

    s.configure({ faults: { http503: 1 } });
    const first = await runCli(['apply', input, '--max-attempts', '1'], { env });
    expect(first.code).toBe(1);
    const resultsPath = join(dir, 'offers.results.csv');
    const text = await readFile(resultsPath, 'utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""click"")"`);
    const results = await readResults(resultsPath);
    expect(Object.keys(results[0]!)[3]).toBe("'@note");
    expect(results.map((r) => [r.offer_name, r["'@note"], r.status])).toEqual(
      NAMES.map(([, name]) => [protectCell(name), "'=1+1", 'failed']),
    );
    for (const cell of results.flatMap((r) => Object.values(r))) {
      expect(FORMULA_STARTS).not.toContain(cell[0]);
    }

    s.configure({ faults: { http503: 0 } });
    const requestsBefore = s.stats.requests;
    const rerun = await runCli(['rerun', resultsPath], { env });
    expect(rerun.code).toBe(0);
    expect(s.stats.requests - requestsBefore).toBe(NAMES.length);
    for (const [id, name] of NAMES) expect(s.store.offers.get(id)?.offer_name).toBe(name);
    const second = await readResults(join(dir, 'offers.rerun-1.results.csv'));
    expect(second.map((r) => [r.offer_name, r["'@note"], r.status])).toEqual(
      NAMES.map(([, name]) => [protectCell(name), "'=1+1", 'updated']),
    );
  });

  it('--excel writes a UTF-8 BOM and CRLF line ends, and rerun reads that file back', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const input = await writeCsv(
      dir,
      'offers.csv',
      'offer_id,offer_name\n21,"=HYPERLINK(""http://x"",""click"")"\n22,"two\nlines"\n',
    );
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };
    const dry = await runCli(['apply', input, '--dry-run', '--excel'], { env });
    expect(dry.code).toBe(1);
    const resultsPath = join(dir, 'offers.dry-run.results.csv');
    const bytes = await readFile(resultsPath);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lineEnds = text.match(/\r?\n/g) ?? [];
    // Record ends are CRLF; the line break inside the quoted name is the user's own.
    expect(lineEnds.filter((end) => end === '\r\n')).toHaveLength(3);
    expect(text.endsWith('\r\n')).toBe(true);

    const rerun = await runCli(['rerun', resultsPath, '--skip-invalid', '--excel'], { env });
    expect(rerun.code).toBe(1);
    expect(s.store.offers.get(21)?.offer_name).toBe('=HYPERLINK("http://x","click")');
    expect(s.stats.requests).toBe(1);
    const again = await readFile(join(dir, 'offers.dry-run.rerun-1.results.csv'));
    expect([...again.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
