import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { OfferStore } from '../../src/sandbox/offers.js';
import { startSandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { API_KEY, payoutCsv, runCli, tempDir, writeCsv, type CliRun } from './helpers.js';

/** Offer ids of a `payoutCsv(n, firstId)` file whose stored payout differs from the file's. */
export function offersNotMatching(store: OfferStore, n: number, firstId = 1): number[] {
  const wrong: number[] = [];
  for (let id = firstId; id < firstId + n; id++) {
    if (store.offers.get(id)?.payout !== (id % 97) + 0.25) wrong.push(id);
  }
  return wrong;
}

/** Resolves once `condition` holds; polls every few ms. */
export async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** The `row` numbers of a results file, in file order. */
export function rowNumbers(rows: Array<Record<string, string>>): number[] {
  return rows.map((row) => Number(row.row));
}

/** Data rows of a `payoutCsv(n)` file: spreadsheet lines 2..n+1. */
export function inputRows(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 2);
}

/**
 * Reads the results file a killed run left, strictly: a torn last line (no newline at the end, or fewer
 * fields than the header) or a row written twice would show here.
 */
export async function readIntactResults(
  path: string,
): Promise<{ endsWithNewline: boolean; rows: Array<Record<string, string>> }> {
  const text = await readFile(path, 'utf8');
  // csv-parse throws on a record whose field count differs from the header's.
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  return { endsWithNewline: text.endsWith('\n'), rows };
}

const openRuns: Array<() => Promise<void>> = [];

/**
 * A sandbox (key API_KEY) and a fresh directory holding `offers.csv` of `rows` payout rows; `apply` runs
 * the built CLI on it with `args` first, and `signal` reaches the last CLI started. Close with `closeApplyRuns`.
 */
export async function startApplyRun(rows: number, options: SandboxOptions = {}, args: string[] = []) {
  const server = await startSandbox({ apiKey: API_KEY, ...options });
  const dir = await tempDir();
  openRuns.push(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));
  let pid = 0;
  const apply = (...extra: string[]): Promise<CliRun> =>
    runCli(['apply', input, '--base-url', server.url, ...args, ...extra], {
      env: { CAKE_API_KEY: API_KEY },
      onSpawn: (id) => (pid = id),
    });
  return {
    server,
    input,
    out: join(dir, 'offers.results.csv'),
    log: join(dir, 'offers.log.jsonl'),
    apply,
    signal: (name: NodeJS.Signals) => process.kill(pid, name),
  };
}

/** Stops every sandbox `startApplyRun` started and removes its directory; for afterEach. */
export async function closeApplyRuns(): Promise<void> {
  for (const close of openRuns.splice(0)) await close();
}
