import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { API_KEY, readResults, runCli, tempDir } from '../support/helpers.js';
import { waitFor } from '../support/fault-helpers.js';

const sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()));
});

/** A workbook with two quarters' sheets: Q3 changes offers 1..n, Q4 offers 1001..1000+n. */
async function quarters(dir: string, n: number): Promise<string> {
  const book = new ExcelJS.Workbook();
  for (const [name, first] of [
    ['Q3', 1],
    ['Q4', 1001],
  ] as const) {
    const sheet = book.addWorksheet(name);
    sheet.addRow(['Offer ID', 'Payout']);
    for (let i = 0; i < n; i++) sheet.addRow([first + i, 5 + (i % 10)]);
  }
  const path = join(dir, 'payouts.xlsx');
  await book.xlsx.writeFile(path);
  return path;
}

describe('--resume after an interrupted run', () => {
  it('refuses to continue with another --sheet of the same workbook, naming the sheet', async () => {
    const server = await startSandbox({ apiKey: API_KEY, latencyMs: 40 });
    sandboxes.push(server);
    const dir = await tempDir();
    const book = await quarters(dir, 150);
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: server.url };
    let pid = 0;
    const first = runCli(['apply', book, '--sheet', 'Q3', '--concurrency', '2'], {
      env,
      onSpawn: (p) => (pid = p),
    });
    await waitFor(() => server.stats.requests >= 10);
    process.kill(pid, 'SIGINT');
    expect((await first).code).toBe(130);
    const sentBefore = server.stats.requests;

    const other = await runCli(['apply', book, '--sheet', 'Q4', '--resume'], { env });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(
      /cannot resume: the interrupted run read sheet \(--sheet\) "q3", this one "q4"/,
    );
    expect(server.stats.requests).toBe(sentBefore);
    expect([...server.store.updates.keys()].some((id) => id > 1000)).toBe(false);

    server.configure({ latencyMs: 0 });
    const same = await runCli(['apply', book, '--sheet', 'Q3', '--resume'], { env });
    expect(same.code).toBe(0);
    const rows = await readResults(join(dir, 'payouts.results.csv'));
    expect(rows.map((row) => row.Offer_ID ?? row['Offer ID'])).toEqual(
      Array.from({ length: 150 }, (_, i) => String(i + 1)),
    );
    expect(rows.every((row) => row.status === 'updated')).toBe(true);
    expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
    expect(server.store.updates.size).toBe(150);
  });
});
