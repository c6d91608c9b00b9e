import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from './support/browser.js';
import { applyAndSend, progressOf, upload, waitForEnd } from './support/pages.js';
import { payoutSheet, startWeb, type WebSetup } from './support/web.js';

const launched = await launchChromium();
const browser = 'browser' in launched ? launched.browser : undefined;

/** Waits until the run page's bar shows at least `rows` sent. */
async function waitForSent(page: Page, rows: number): Promise<number> {
  for (;;) {
    const { value } = await progressOf(page);
    if (value >= rows) return value;
    await page.waitForTimeout(50);
  }
}

describe.skipIf(!browser)('a run in progress, in Chromium', () => {
  let setup: WebSetup;
  beforeAll(async () => {
    // Slow enough to act mid-run: 2 in flight, 40 ms each, about 50 rows a second.
    setup = await startWeb({ sandbox: { latencyMs: 40 }, server: { send: { concurrency: 2 } } });
  });
  afterAll(async () => {
    await setup?.close();
    await browser?.close();
  });

  it('keeps live progress across a reload, refuses a second Apply naming the running run, and Stop then Resume sends no row twice', async () => {
    const { csv, ids } = payoutSheet(150, 80_000);
    const other = payoutSheet(5, 90_000).csv;
    const { page, problems, context } = await openPage(browser!, setup.web.url);
    const second = await context.newPage();
    await upload(second, setup.web.origin, other, 'other.csv');
    await upload(page, setup.web.origin, csv, 'slow.csv');
    await applyAndSend(page, 150);
    await page.getByRole('heading', { name: 'Sending slow.csv' }).waitFor();
    const seen = await waitForSent(page, 10);

    await page.reload();
    await page.getByRole('heading', { name: 'Sending slow.csv' }).waitFor();
    const after = await progressOf(page);
    expect(after.max).toBe(150);
    expect(after.value).toBeGreaterThanOrEqual(seen);
    await waitForSent(page, after.value + 5);

    await applyAndSend(second, 5);
    const refusal = second.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(
      /run \S+ \(slow\.csv\) is sending now, and only one run sends at a time/,
    );
    expect(second.url()).toMatch(/\/apply$/);

    await page.getByRole('button', { name: 'Stop' }).click();
    // The run may end before the page after Stop loads (it shows the Interrupted page at once) or after
    // (the run page says so, with a link).
    const interrupted = page.getByRole('heading', { name: 'Interrupted: slow.csv' });
    await interrupted.or(page.getByText('The run has stopped.')).waitFor();
    if (!(await interrupted.isVisible())) await page.getByRole('link', { name: 'See the results' }).click();
    await interrupted.waitFor();
    const stoppedAt = setup.sandbox.stats.updates;
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(150);

    await page.getByRole('button', { name: 'Resume' }).click();
    await waitForEnd(page, 150);
    expect(setup.sandbox.stats.updates).toBe(150);
    for (const id of ids) expect(setup.sandbox.store.updates.get(id)).toBe(1);

    const run = /\/runs\/([^/]+)/.exec(page.url())![1]!;
    const results = parse(await readFile(join(setup.dir, 'runs', run, 'input.results.csv')), {
      columns: true,
      bom: true,
    }) as Array<Record<string, string>>;
    expect(results).toHaveLength(150);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['updated']));
    expect(problems).toEqual([]);
    await context.close();
  });
});
