// What the tests and the fault script share to drive the built CLI and read what it wrote. No vitest here:
// scripts/faults.ts imports it outside a test run.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';

/**
 * The built CLI; `npm test` builds before running vitest. CAKE_BULK_TEST_CLI points the end-to-end tests
 * at another build, e.g. an older commit's, to see a new test fail there.
 */
export const CLI = process.env.CAKE_BULK_TEST_CLI ?? resolve(import.meta.dirname, '../../dist/cli/main.js');
export const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
export const API_KEY = 'test-key-7f3a9c2e41d8';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  onSpawn?: (pid: number) => void;
  /**
   * Let `apply` and `rerun` read current values first, as they do by default. Off unless asked: most
   * end-to-end tests are about sending, against servers that do not serve List Offers, or with payouts
   * that the sandbox's seeded catalog would have the guardrails refuse; they run with --no-read-current.
   * @default false
   */
  readCurrent?: boolean;
}

/** Runs the built CLI as a user would, with a clean environment plus `env`. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliRun> {
  const sends = (args[0] === 'apply' || args[0] === 'rerun') && !args.includes('--help');
  const argv =
    sends && !options.readCurrent && !args.includes('--no-read-current')
      ? [...args, '--no-read-current']
      : args;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    if (child.pid) options.onSpawn?.(child.pid);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Reads a results CSV into objects keyed by header name. */
export async function readResults(path: string): Promise<Array<Record<string, string>>> {
  const text = await readFile(path, 'utf8');
  return parse(text, { columns: true, bom: true }) as Array<Record<string, string>>;
}

/**
 * Reads a JSON-lines log. Every line must parse, except with `allowTornLastLine` the last one, which a run
 * killed with SIGKILL can leave half-written.
 */
export async function readLog(
  path: string,
  options: { allowTornLastLine?: boolean } = {},
): Promise<Array<Record<string, unknown>>> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.flatMap((line, i) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch (error) {
      if (options.allowTornLastLine && i === lines.length - 1) return [];
      throw error;
    }
  });
}

/** `n` data rows of `offer_id,payout`, ids from `firstId`, payouts derived from the id. */
export function payoutCsv(n: number, firstId = 1): string {
  const lines = ['offer_id,payout'];
  for (let i = 0; i < n; i++) lines.push(`${firstId + i},${((firstId + i) % 97) + 0.25}`);
  return `${lines.join('\n')}\n`;
}
