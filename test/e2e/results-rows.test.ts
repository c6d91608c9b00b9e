import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults, runCli, tempDir, writeCsv } from '../support/helpers.js';

/** A dry run's results file for `csv`, then its data lines edited by `edit` as a person would in a text editor. */
async function editedResults(csv: string, edit: (lines: string[]) => string[]): Promise<string> {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'offers.csv', csv);
  await runCli(['apply', input, '--dry-run', '--quiet']);
  const path = join(dir, 'offers.dry-run.results.csv');
  const [header, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  await writeFile(path, `${[header!, ...edit(lines)].join('\n')}\n`);
  return path;
}

const setRow = (line: string, row: string) => line.replace(/^[^,]*/, row);

describe('a results file edited by hand, given to rerun', () => {
  it('catches a duplicate offer on a row numbered above 2^32 (no 32-bit wrap)', async () => {
    const path = await editedResults('offer_id,payout\n77,1\n78,2\n77,3\n', (lines) => [
      setRow(lines[0]!, '4294967298'),
      lines[1]!,
      lines[2]!,
    ]);
    const out = join(dirname(path), 'again.csv');
    const run = await runCli(['rerun', path, '--dry-run', '--quiet', '--out', out]);
    expect(run.code).toBe(1);
    const rows = await readResults(out);
    expect(rows.map((row) => [row.row, row.status, row.error_code])).toEqual([
      ['4294967298', 'invalid', 'E_DUPLICATE_OFFER_ID'],
      ['3', 'dry_run', ''],
      ['4', 'invalid', 'E_DUPLICATE_OFFER_ID'],
    ]);
    expect(rows[0]!.error).toContain('also on row 4');
  });

  it('does not flag a unique offer whose row number another row repeats', async () => {
    const path = await editedResults('offer_id,payout\n10,1\n20,2\n10,3\n', (lines) => [
      setRow(lines[0]!, '5'),
      setRow(lines[1]!, '5'),
      setRow(lines[2]!, '7'),
    ]);
    const out = join(dirname(path), 'again.csv');
    await runCli(['rerun', path, '--dry-run', '--quiet', '--out', out]);
    const rows = await readResults(out);
    expect(rows.map((row) => [row.offer_id, row.status])).toEqual([
      ['10', 'invalid'],
      ['20', 'dry_run'],
      ['10', 'invalid'],
    ]);
  });

  it.each(['0', '-5', '1e3', '2.5', '+7', ' 3', '0x10', '99999999999999999999'])(
    'refuses a row number %j that is not a whole number in range, naming the line',
    async (row) => {
      const path = await editedResults('offer_id,payout\n10,1\n20,2\n', (lines) => [
        lines[0]!,
        setRow(lines[1]!, row),
      ]);
      const run = await runCli(['rerun', path, '--dry-run']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/offers\.dry-run\.results\.csv:3: this line is not a results row/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    },
  );
});
