// Debian's Chromium, driven by playwright-core (no browser download is possible here). Without one the
// browser tests skip with a message locally, and fail in CI (CI=true): they must never pass by skipping.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** CHROMIUM_PATH when set (and then only it), else Debian's Chromium where it installs it. */
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser'];

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches Chromium, or says why it could not; in CI a browser that cannot start is an error. */
export async function launchChromium(): Promise<{ browser: Browser } | { skip: string }> {
  const executablePath = CANDIDATES.find((path) => existsSync(path));
  try {
    if (!executablePath) throw new Error(`no Chromium at ${CANDIDATES.join(', ')}`);
    return { browser: await chromium.launch({ executablePath, args: CHROMIUM_ARGS }) };
  } catch (error) {
    const why = `the browser tests need Chromium (apt-get install chromium-headless-shell, or set CHROMIUM_PATH): ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`SKIPPED: ${why}`);
    return { skip: why };
  }
}

/** A fresh browser profile on the page, with the token's cookie set by opening the printed URL. */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // A CSP violation or a script error is a failure of the page, whatever the test checks.
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource|EventSource/.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  return { context, page, problems };
}
