import { rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, type TestContext } from 'vitest';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { API_KEY } from './cli.js';

export * from './cli.js';

const created: string[] = [];
// Each test file removes the directories it made once its tests are done. (Not on the process's 'exit':
// vitest ends its forked workers without one, and every run left ~300 directories, ~30 MB, in /tmp.)
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system temp dir, removed once the test file that made it is done. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cake-bulk-test-'));
  created.push(dir);
  return dir;
}

/** Writes a CSV into `dir` and returns its path. */
export async function writeCsv(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** A sandbox with the tests' key for this test only, closed when it finishes (safe in concurrent tests). */
export async function sandboxFor(ctx: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const s = await startSandbox({ apiKey: API_KEY, ...options });
  ctx.onTestFinished(() => s.close());
  return s;
}

/**
 * For a file of sequential tests: a function that starts a sandbox with the tests' key and `defaults`;
 * every sandbox it started is closed after each test.
 */
export function useSandboxes(defaults: SandboxOptions = {}): (options?: SandboxOptions) => Promise<Sandbox> {
  const open: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (options = {}) => {
    const s = await startSandbox({ apiKey: API_KEY, ...defaults, ...options });
    open.push(s);
    return s;
  };
}
