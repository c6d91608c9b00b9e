import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTablePage } from '../../src/web/plan-table.js';
import { tempDir } from '../support/helpers.js';

/** A plan file of `rows` rows, every tenth one invalid, as the library writes it. */
async function planFile(rows: number): Promise<string> {
  const lines = ['row,Offer ID,Payout,status,error_code,error,before_payout'];
  for (let i = 0; i < rows; i++) {
    const invalid = i % 10 === 9;
    lines.push(
      `${i + 2},${1000 + i},${invalid ? '$5' : '5.00'},${invalid ? 'invalid' : 'change'},${invalid ? 'E_PAYOUT' : ''},${invalid ? '"payout ""$5"": remove the currency symbol"' : ''},'-4.00`,
    );
  }
  const path = join(await tempDir(), 'input.plan.csv');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('the review table pages through the plan file on the server', () => {
  it('reads the first page of a 100,000-row plan quickly, and a deep page exactly', async () => {
    const path = await planFile(100_000);
    const started = performance.now();
    const first = await readTablePage(path, { statuses: [], page: 1, pageSize: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(first.rows).toHaveLength(50);
    expect(first.rows[0]).toMatchObject({
      row: '2',
      'Offer ID': '1000',
      status: 'change',
      before_payout: '-4.00',
    });
    expect(first.hasNext).toBe(true);

    const last = await readTablePage(path, { statuses: [], page: 2000, pageSize: 50 });
    expect(last.rows.map((r) => r.row)).toEqual(Array.from({ length: 50 }, (_, i) => String(99_952 + i)));
    expect(last.hasNext).toBe(false);
  });

  it('filters by status, counting pages among the matching rows only', async () => {
    const path = await planFile(1000);
    const page = await readTablePage(path, { statuses: ['invalid'], page: 2, pageSize: 10 });
    expect(page.rows.map((r) => r.row)).toEqual(Array.from({ length: 10 }, (_, i) => String(111 + i * 10)));
    expect(page.rows[0]!.error).toBe('payout "$5": remove the currency symbol');
    const beyond = await readTablePage(path, { statuses: ['invalid'], page: 11, pageSize: 10 });
    expect(beyond.rows).toEqual([]);
    expect(beyond.hasNext).toBe(false);
  });
});
