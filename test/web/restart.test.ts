import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { CLI, tempDir } from '../support/helpers.js';
import { launchChromium, openPage } from './support/browser.js';
import { applyAndSend, csvRows, download, progressOf, upload, waitForEnd } from './support/pages.js';
import { payoutSheet, WEB_KEY } from './support/web.js';

const launched = await launchChromium();
const browser = 'browser' in launched ? launched.browser : undefined;

interface Served {
  child: ChildProcess;
  url: string;
  origin: string;
  output: () => string;
}

/** `cake-bulk serve` as its own process, as a person starts it; resolves with the URL it prints. */
function serve(dir: string, baseUrl: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--dir', dir, '--base-url', baseUrl, '--concurrency', '2'],
    { env: { PATH: process.env.PATH, CAKE_API_KEY: WEB_KEY }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const url = /open (http:\/\/\S+)/.exec(text)?.[1];
      if (url) resolve({ child, url, origin: new URL(url).origin, output: () => text });
    });
    child.once('exit', (code) =>
      reject(new Error(`serve exited with ${code} before printing its URL: ${text}`)),
    );
  });
}

describe.skipIf(!browser)('the server killed mid-run, in Chromium', () => {
  let sandbox: Sandbox;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: WEB_KEY, latencyMs: 40 });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await sandbox?.close();
    await browser?.close();
  });

  it('offers Resume on the run page after a restart, and the run ends with every row updated', async () => {
    const dir = await tempDir();
    const { csv, ids } = payoutSheet(200, 100_000);
    const first = await serve(dir, sandbox.url);
    children.push(first.child);
    const one = await openPage(browser!, first.url);
    await upload(one.page, first.origin, csv, 'killed.csv');
    await applyAndSend(one.page, 200);
    await one.page.getByRole('heading', { name: 'Sending killed.csv' }).waitFor();
    while ((await progressOf(one.page)).value < 20) await one.page.waitForTimeout(50);
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    const sentBefore = sandbox.stats.updates;
    expect(sentBefore).toBeLessThan(200);
    await one.context.close();

    const second = await serve(dir, sandbox.url);
    children.push(second.child);
    const two = await openPage(browser!, second.url);
    await two.page.getByRole('link', { name: 'History' }).click();
    await two.page.getByRole('link', { name: 'killed.csv' }).click();
    await two.page.getByRole('heading', { name: 'Interrupted: killed.csv' }).waitFor();
    await two.page.getByRole('button', { name: 'Resume' }).click();
    await waitForEnd(two.page, 200);

    const results = csvRows(await download(two.page, 'Download results'));
    expect(results).toHaveLength(200);
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['updated']));
    const sheet = new Map(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',') as [string, string]),
    );
    for (const id of ids) expect(sandbox.store.get(id)!.payout).toBe(Number(sheet.get(String(id))));
    // Only the rows the kill caught unrecorded go again, as after `apply --resume`: those in flight, and
    // those answered in the journal's last flush interval (at about 50 rows/s, a handful).
    const twice = ids.filter((id) => sandbox.store.updates.get(id)! > 1);
    expect(twice.length).toBeLessThanOrEqual(15);
    expect(sentBefore - twice.length).toBeGreaterThanOrEqual(15);
    expect(sandbox.stats.updates).toBe(200 + twice.length);
    expect(first.output() + second.output()).not.toContain(WEB_KEY);
    expect(two.problems).toEqual([]);
    second.child.kill('SIGTERM');
  });
});
