import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBulk } from '../../src/index.js';
import { seededOffer } from '../../src/sandbox/index.js';
import { tempDir } from '../support/helpers.js';
import { launchChromium, openPage } from './support/browser.js';
import { WEB_KEY, payoutSheet, startWeb, type WebSetup } from './support/web.js';

const SAMPLES = resolve(import.meta.dirname, '../../samples/payouts.csv');
const launched = await launchChromium();
const browser = 'browser' in launched ? launched.browser : undefined;

describe.skipIf(!browser)('upload and review, in Chromium', () => {
  let setup: WebSetup;
  beforeAll(async () => {
    setup = await startWeb({ sandbox: { latencyMs: 2 } });
  });
  afterAll(async () => {
    await setup?.close();
    await browser?.close();
  });

  it('uploads the samples file and shows the counts planBulk gives, with before -> after cells', async () => {
    const copy = join(await tempDir(), 'payouts.csv');
    await copyFile(SAMPLES, copy);
    const expected = await planBulk({ input: copy, baseUrl: setup.sandbox.url, apiKey: WEB_KEY } as never);
    const { page, problems, context } = await openPage(browser!, setup.web.url);
    const seen: string[] = [];
    page.on('response', async (response) => {
      seen.push(`${JSON.stringify(response.headers())}${await response.text().catch(() => '')}`);
    });
    await page.getByLabel('Spreadsheet').setInputFiles(SAMPLES);
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('heading', { name: 'Review payouts.csv' }).waitFor();

    const filters = page.getByRole('navigation', { name: 'Rows by status' });
    const counts = (expected as unknown as { counts?: Record<string, number> }).counts ?? {};
    const shown = ['change', 'unchanged', 'invalid', 'blocked', 'not_found'];
    expect(Object.keys(counts)).toEqual(expect.arrayContaining(shown));
    for (const status of shown) {
      await filters
        .getByRole('link', { name: `${status.replace('_', ' ')} ${counts[status]}`, exact: true })
        .waitFor();
    }
    const cell = page.getByRole('cell', { name: /\d -> \d/ }).first();
    expect((await cell.textContent())!.replace(/\s+/g, ' ')).toMatch(/\d+(\.\d+)? -> \d+(\.\d+)?/);
    const payout = page.getByRole('listitem').filter({ hasText: /^\s*payout\s+\d+(\.\d+)? -> \d+(\.\d+)?/ });
    expect(await payout.count()).toBeGreaterThan(0);

    // The invalid rows, filtered, each with its reason.
    await filters.getByRole('link', { name: /^invalid / }).click();
    const rows = page.getByRole('table').first().getByRole('row');
    expect(await rows.count()).toBe(expected.invalid + 1);
    expect(await rows.nth(1).textContent()).toMatch(/E_[A-Z_]+/);

    expect(seen.join('\n')).not.toContain(WEB_KEY);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('takes an .xlsx dropped onto the page', async () => {
    const dir = await tempDir();
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Q4');
    const { csv } = payoutSheet(12, 30_000);
    for (const line of csv.trim().split('\n')) {
      const [id, payout] = line.split(',');
      sheet.addRow(id === 'offer_id' ? ['Offer ID', 'Payout'] : [Number(id), Number(payout)]);
    }
    const path = join(dir, 'q4 payouts.xlsx');
    await book.xlsx.writeFile(path);
    const bytes = (await readFile(path)).toString('base64');

    const { page, problems, context } = await openPage(browser!, setup.web.url);
    // In the page: a DataTransfer holding the workbook, as a drag from the desktop brings it.
    const transfer = await page.evaluateHandle((b64) => {
      const dom = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: unknown[], name: string) => unknown;
      };
      const dt = new dom.DataTransfer();
      dt.items.add(new dom.File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'q4 payouts.xlsx'));
      return dt;
    }, bytes);
    await page.dispatchEvent('main', 'drop', { dataTransfer: transfer });
    await page.getByText('Chosen: q4 payouts.xlsx').waitFor();
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('heading', { name: 'Review q4 payouts.xlsx' }).waitFor();
    await page.getByRole('link', { name: 'change 12', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Apply 12 changes' }).waitFor();
    const run = setup.web;
    expect(run).toBeDefined();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('re-plans with changed guardrails: a 10% cut is blocked under a 5% limit, and Apply counts only what is left', async () => {
    const dir = await tempDir();
    const { csv } = payoutSheet(6, 40_000);
    const path = join(dir, 'cuts.csv');
    await writeFile(path, `${csv}40000000,1.00\n`);
    const { page, context } = await openPage(browser!, setup.web.url);
    await page.getByLabel('Spreadsheet').setInputFiles(path);
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('button', { name: 'Apply 6 changes' }).waitFor();
    await page.getByLabel('Largest payout or revenue change allowed (%)').fill('5');
    await page.getByRole('button', { name: 'Re-plan' }).click();
    await page.getByRole('link', { name: 'blocked 6', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Apply 0 changes' }).waitFor();
    expect(await page.getByRole('button', { name: 'Apply 0 changes' }).isDisabled()).toBe(true);
    await page.getByLabel('No limit on the size of a change').check();
    await page.getByRole('button', { name: 'Re-plan' }).click();
    await page.getByRole('button', { name: 'Apply 6 changes' }).waitFor();
    expect(await page.getByLabel('No limit on the size of a change').isChecked()).toBe(true);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download plan' }).click();
    const saved = await (await download).path();
    const plan = parse(await readFile(saved), { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(plan).toHaveLength(7);
    expect(plan.map((r) => r.status)).toContain('not_found');
    await context.close();
  });

  it('blocks activating an expired offer until that guardrail is turned off', async () => {
    const now = new Date().toISOString().replace('T', ' ').slice(0, 19);
    let id = 45_000;
    const expired = (offer: ReturnType<typeof seededOffer>) =>
      (offer.expiration_date ?? '9') < now && offer.payout < offer.revenue;
    while (!expired(seededOffer(1, id))) id++;
    const cut = (Math.round(seededOffer(1, id).payout * 90) / 100).toFixed(2);
    const path = join(await tempDir(), 'expired.csv');
    await writeFile(path, `offer_id,offer_status,payout\n${id},active,${cut}\n`);
    const { page, context } = await openPage(browser!, setup.web.url);
    await page.getByLabel('Spreadsheet').setInputFiles(path);
    await page.getByRole('button', { name: 'Review' }).click();
    await page.getByRole('link', { name: 'blocked 1', exact: true }).waitFor();
    expect(await page.getByRole('cell', { name: /E_GUARD_EXPIRED/ }).count()).toBe(1);
    await page.getByLabel('Allow making an offer active whose expiration date has passed').check();
    await page.getByRole('button', { name: 'Re-plan' }).click();
    await page.getByRole('button', { name: 'Apply 1 change' }).waitFor();
    await context.close();
  });

  it('refuses an upload over the size limit with a clear message on the page', async () => {
    const small = await startWeb({ server: { maxUploadBytes: 2048 } });
    try {
      const path = join(await tempDir(), 'big.csv');
      await writeFile(path, payoutSheet(20_000).csv);
      const { page, context } = await openPage(browser!, small.web.url);
      await page.getByLabel('Spreadsheet').setInputFiles(path);
      await page.getByRole('button', { name: 'Review' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.textContent()).toContain('The file is larger than the upload limit of 2 KB');
      await page.getByLabel('Spreadsheet').waitFor();
      await context.close();
    } finally {
      await small.close();
    }
  });
});
