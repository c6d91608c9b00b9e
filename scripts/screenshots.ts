// npx tsx scripts/screenshots.ts [--out docs/screenshots]
// A real run of samples/payouts.csv against the bundled sandbox, driven in Chromium, with a PNG of each
// page: Upload, Review, the confirmation, Run (mid-run, with failures), Done, History.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadCatalogCsv, startSandbox } from '../src/sandbox/index.js';
import { startWebServer } from '../src/web/server.js';
import { CHROMIUM_ARGS } from '../test/web/support/browser.js';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'docs', 'screenshots') } },
});
const out = resolve(values.out!);
mkdirSync(out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'cake-bulk-screens-'));
const key = 'screenshot-key-0000';

// The demo's catalog (samples/catalog.csv): the review shows what `npm run demo` shows.
const sandbox = await startSandbox({
  apiKey: key,
  latencyMs: 250,
  seed: 3,
  catalog: await loadCatalogCsv(join(root, 'samples', 'catalog.csv')),
});
const web = await startWebServer({
  dir: join(work, 'cake-bulk-runs'),
  baseUrl: sandbox.url,
  apiKey: key,
  port: 0,
  send: { concurrency: 1, maxAttempts: 1 },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium-headless-shell',
  args: CHROMIUM_ARGS,
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const shot = async (name: string, fullPage = true) => {
    await page.screenshot({ path: join(out, `${name}.png`), fullPage });
    console.log(`wrote ${join(out, `${name}.png`)}`);
  };
  await page.goto(web.url);
  await page.getByLabel('Spreadsheet').setInputFiles(join(root, 'samples', 'payouts.csv'));
  await shot('upload');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('heading', { name: /^Review/ }).waitFor();
  await shot('review', false);
  await page.getByRole('heading', { name: 'Money summary' }).scrollIntoViewIfNeeded();
  await shot('review-summary', false);
  await page.evaluate(() =>
    (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
  );
  const apply = page.getByRole('button', { name: /^Apply \d+ change/ });
  await apply.click();
  await page.getByRole('dialog').waitFor();
  await shot('confirm', false);
  // A few answers fail while sending (one attempt a row), so the run page lists failures as they happen.
  sandbox.configure({ faults: { http503: 0.15 } });
  await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
  await page.getByRole('progressbar', { name: 'Rows sent' }).waitFor();
  await page.waitForFunction(
    () =>
      (
        globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
      ).document.querySelectorAll('#failures tr').length >= 2,
    undefined,
    { timeout: 30_000 },
  );
  await page.waitForTimeout(600);
  await shot('run');
  await page.getByRole('link', { name: 'See the results' }).click({ timeout: 60_000 });
  await page.getByRole('heading', { name: /^Done/ }).waitFor();
  sandbox.configure({ faults: {} });
  await shot('done');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'History' }).click();
  await page.getByRole('heading', { name: 'History' }).waitFor();
  await shot('history');
} finally {
  await browser.close();
  await web.close();
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}
