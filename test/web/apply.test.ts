import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/helpers.js';
import { launchChromium, openPage } from './support/browser.js';
import { applyAndSend, csvRows, download, upload, waitForEnd } from './support/pages.js';
import { payoutSheet, rawRequest, session, startWeb, WEB_KEY, type WebSetup } from './support/web.js';

const launched = await launchChromium();
const browser = 'browser' in launched ? launched.browser : undefined;

describe.skipIf(!browser)('apply, rerun and undo, in Chromium against the sandbox', () => {
  let setup: WebSetup;
  beforeAll(async () => {
    setup = await startWeb({
      sandbox: { latencyMs: 15 },
      server: { send: { concurrency: 2, maxAttempts: 1, backoff: { baseMs: 1, capMs: 5 } } },
    });
  });
  afterAll(async () => {
    await setup?.close();
    await browser?.close();
  });

  it('applies after a confirmation naming the host and counts; progress reaches the total; the downloads parse; undo restores the catalog exactly', async () => {
    const { csv, ids } = payoutSheet(40, 50_000);
    const before = ids.map((id) => ({ ...setup.sandbox.store.get(id)! }));
    const { page, problems, context } = await openPage(browser!, setup.web.url);
    await upload(page, setup.web.origin, csv, 'forty.csv');
    const host = new URL(setup.sandbox.url).host;
    const dialog = await applyAndSend(page, 40);
    expect(dialog).toContain(`40 updates will be sent to ${host}`);
    await waitForEnd(page, 40);
    expect(await page.getByRole('definition').first().textContent()).toBe('40');

    const results = csvRows(await download(page, 'Download results'));
    expect(results).toHaveLength(40);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['updated']));
    const log = (await download(page, 'Download log'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string });
    expect(log.at(-1)?.event).toBe('run_end');
    const undo = csvRows(await download(page, 'Download undo file'));
    expect(undo).toHaveLength(40);
    for (const id of ids) expect(setup.sandbox.store.updates.get(id)).toBe(1);

    await page.getByRole('button', { name: 'Undo this run' }).click();
    await page.getByRole('heading', { name: /^Review undo of forty\.csv/ }).waitFor();
    await applyAndSend(page, 40);
    await waitForEnd(page, 40);
    expect(ids.map((id) => setup.sandbox.store.get(id))).toEqual(before);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reruns the failed rows through Review, and every row ends updated', async () => {
    const { csv, ids } = payoutSheet(30, 60_000);
    const { page, context } = await openPage(browser!, setup.web.url);
    await upload(page, setup.web.origin, csv, 'flaky.csv');
    // Faults once the run has begun reading the offers' current values: one attempt a request, so about a
    // third of the rows fail, on their update's 503 or their offer's read.
    const read = setup.sandbox.stats.rowsRead;
    const faulty = (async () => {
      while (setup.sandbox.stats.rowsRead === read) await new Promise((r) => setTimeout(r, 1));
      setup.sandbox.configure({ faults: { http503: 0.35 } });
    })();
    await applyAndSend(page, 30);
    await faulty;
    await page.getByRole('link', { name: 'See the results' }).click();
    await page.getByRole('heading', { name: /^Done/ }).waitFor();
    setup.sandbox.configure({ faults: {} });
    const first = csvRows(await download(page, 'Download results'));
    const failed = first.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // A row fails on its update's 503, or before it when its offer's read got one (not sent either way).
    expect(failed.every((r) => ['E_HTTP_503', 'E_NOT_READ'].includes(r.error_code!))).toBe(true);

    await page.getByRole('button', { name: 'Rerun failed rows' }).click();
    await page.getByRole('heading', { name: /^Review rerun of flaky\.csv/ }).waitFor();
    await applyAndSend(page, failed.length);
    await waitForEnd(page, failed.length);
    const rerun = csvRows(await download(page, 'Download results'));
    expect(rerun).toHaveLength(30);
    expect(new Set(rerun.map((r) => r.status))).toEqual(new Set(['updated']));
    for (const id of ids) expect(setup.sandbox.store.updates.get(id)).toBe(1);
    await context.close();
  });

  it('sends nothing when the offers changed after the review, and shows the new plan to review again', async () => {
    const { csv, ids } = payoutSheet(8, 65_000);
    const { page, context } = await openPage(browser!, setup.web.url);
    await upload(page, setup.web.origin, csv, 'stale.csv');
    // Someone else sets one offer to the sheet's value meanwhile: that row is now unchanged.
    const wanted = Number(csv.trim().split('\n')[1]!.split(',')[1]);
    expect(setup.sandbox.store.apply({ offer_id: ids[0], payout: wanted }).ok).toBe(true);
    const updates = setup.sandbox.stats.updates;
    await applyAndSend(page, 8);
    // The run page says so when it ends, or the Review page at once when it ended first.
    const apply = page.getByRole('button', { name: 'Apply 7 changes' });
    const results = page.getByRole('link', { name: 'See the results' });
    await apply.or(results).waitFor();
    if (await results.isVisible()) {
      expect(await page.getByRole('alert').textContent()).toMatch(/Nothing was sent/);
      await results.click();
    }
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Nothing was sent: the offers changed since this plan was reviewed \(7 rows would change now, 8 when reviewed\)/,
    );
    await page.getByRole('button', { name: 'Apply 7 changes' }).waitFor();
    await page.getByRole('link', { name: 'unchanged 1', exact: true }).waitFor();
    expect(setup.sandbox.stats.updates).toBe(updates);
    await context.close();
  });

  it('lists the runs newest first in History, a run the CLI made in the workspace too, and leaks no key', async () => {
    const folder = join(setup.dir, 'runs', 'by-hand');
    await mkdir(folder);
    await writeFile(join(folder, 'payouts.csv'), payoutSheet(5, 70_000).csv);
    const cli = await runCli(['apply', join(folder, 'payouts.csv'), '--base-url', setup.sandbox.url], {
      env: { CAKE_API_KEY: WEB_KEY },
    });
    expect(cli.code).toBe(0);
    const { page, context } = await openPage(browser!, setup.web.url);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
    const rows = page.getByRole('table').getByRole('row');
    await rows.first().waitFor();
    const cells = async (i: number) =>
      (await rows.nth(i).getByRole('cell').allTextContents()).map((t) => t.trim().replace(/\s+/g, ' '));
    const firstCells = await cells(1);
    expect(firstCells.slice(1, 8)).toEqual(['payouts.csv', 'command line', 'done', '5', '5', '0', '0']);
    const names = [];
    for (let i = 1; i <= 6; i++) names.push((await cells(i))[1]);
    expect(names).toEqual([
      'payouts.csv',
      'stale.csv',
      'rerun of flaky.csv',
      'flaky.csv',
      'undo of forty.csv',
      'forty.csv',
    ]);
    const s = await session(setup.web);
    for (const path of ['/', '/history']) {
      const answer = await rawRequest(setup.web.origin, path, {
        headers: { Host: s.host, Cookie: s.cookie },
      });
      expect(answer.body).not.toContain(WEB_KEY);
    }
    await context.close();
  });
});
