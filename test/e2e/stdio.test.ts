import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
import { API_KEY, CLI, payoutCsv, readResults, tempDir, writeCsv } from '../support/helpers.js';

interface Closed {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What was read from the stream left open. */
  other: string;
}

/**
 * Runs the built CLI with `stream` closed by the reading end: stdout after its first chunk (as `| head -1`
 * does), stderr at once (a closed terminal), or both at once. The other stream is read to the end.
 */
function runWithClosed(
  stream: 'stdout' | 'stderr' | 'both',
  args: string[],
  env: Record<string, string> = {},
): Promise<Closed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let other = '';
    if (stream === 'stdout') {
      child.stderr.on('data', (chunk: Buffer) => (other += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy());
    } else {
      if (stream === 'stderr') child.stdout.on('data', (chunk: Buffer) => (other += chunk.toString()));
      else child.stdout.destroy();
      child.stderr.destroy();
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, other }));
  });
}

async function lineCount(path: string): Promise<number> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((line) => line !== '').length;
}

describe('a stdout closed by the reader (| head -1)', () => {
  it('does not stop a dry run: exit 0, no stack trace, every row in the results file', async () => {
    const rows = 20_000;
    const dir = await tempDir();
    const input = await writeCsv(dir, 'big.csv', payoutCsv(rows));
    const run = await runWithClosed('stdout', ['apply', input, '--dry-run']);

    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.other).not.toMatch(/EPIPE|unexpected error|internal error|\n\s+at /);
    expect(run.other).toContain(`${rows} rows: ${rows} would be sent`);
    expect(await lineCount(join(dir, 'big.dry-run.results.csv'))).toBe(rows + 1);
    const results = await readResults(join(dir, 'big.dry-run.results.csv'));
    expect(results.every((row) => row.status === 'dry_run')).toBe(true);
  });
});

describe('a stderr closed at once (a closed terminal)', () => {
  it('does not stop a run that warns: exit 0, results complete, every row sent', async (ctx: TestContext) => {
    const rows = 500;
    const sandbox = await startSandbox({ apiKey: API_KEY });
    ctx.onTestFinished(() => sandbox.close());
    const dir = await tempDir();
    const lines = payoutCsv(rows)
      .trimEnd()
      .split('\n')
      .map((line, i) => `${line},${i === 0 ? 'notes' : 'n'}`);
    const input = await writeCsv(dir, 'warns.csv', `${lines.join('\n')}\n`);
    const run = await runWithClosed(
      'stderr',
      ['apply', input, '--base-url', sandbox.url, '--json', '--no-read-current'],
      {
        CAKE_API_KEY: API_KEY,
      },
    );

    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(JSON.parse(run.other)).toMatchObject({ total: rows, updated: rows });
    expect(sandbox.stats.requests).toBe(rows);
    expect(sandbox.store.updates.size).toBe(rows);
    const results = await readResults(join(dir, 'warns.results.csv'));
    expect(results).toHaveLength(rows);
    expect(results.every((row) => row.status === 'updated' && row.notes === 'n')).toBe(true);
  });
});

describe('stdout and stderr both closed at once', () => {
  it('still sends every row of an apply --json and exits 0', async (ctx: TestContext) => {
    const rows = 200;
    const sandbox = await startSandbox({ apiKey: API_KEY });
    ctx.onTestFinished(() => sandbox.close());
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));
    const run = await runWithClosed(
      'both',
      ['apply', input, '--base-url', sandbox.url, '--json', '--no-read-current'],
      {
        CAKE_API_KEY: API_KEY,
      },
    );

    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(sandbox.stats.requests).toBe(rows);
    const results = await readResults(join(dir, 'offers.results.csv'));
    expect(results.filter((row) => row.status === 'updated')).toHaveLength(rows);
  });
});
