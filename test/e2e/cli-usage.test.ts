import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { API_KEY, FIXTURES, runCli, tempDir, sandboxFor } from '../support/helpers.js';

async function validInput(): Promise<{ dir: string; input: string }> {
  const dir = await tempDir();
  const input = join(dir, 'valid.csv');
  await copyFile(join(FIXTURES, 'valid.csv'), input);
  return { dir, input };
}

/** A usage error: exit 2, exactly one line on stderr saying what is wrong, nothing on stdout. */
function expectUsageError(run: { code: number | null; stderr: string; stdout: string }, message: RegExp) {
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
  expect(run.stdout).toBe('');
}

describe.concurrent('usage errors exit 2 and send nothing', () => {
  it('refuses to run without an API key', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { input } = await validInput();
    const run = await runCli(['apply', input], { env: { CAKE_BASE_URL: s.url } });
    expectUsageError(run, /^cake-bulk: no API key: set CAKE_API_KEY or pass --api-key-file PATH$/m);
    expect(s.stats.connections).toBe(0);
    expect(existsSync(input.replace(/\.csv$/, '.results.csv'))).toBe(false);
  });

  it('refuses a blank API key', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { input } = await validInput();
    const run = await runCli(['apply', input], { env: { CAKE_API_KEY: '  ', CAKE_BASE_URL: s.url } });
    expectUsageError(run, /no API key/);
    expect(s.stats.connections).toBe(0);
  });

  it('refuses to run without a base URL', async () => {
    const { input } = await validInput();
    const run = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY } });
    expectUsageError(run, /no CAKE base URL/);
  });

  it.each(['http://admin.example.com', 'http://10.0.0.5:8080', 'http://127.0.0.1.example.com'])(
    'refuses plain http to the non-loopback host %s',
    async (url) => {
      const { input } = await validInput();
      const run = await runCli(['apply', input], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: url } });
      expectUsageError(run, /refusing http:\/\/ .*use https:\/\//);
      expect(run.stderr).not.toContain(API_KEY);
      expect(existsSync(input.replace(/\.csv$/, '.results.csv'))).toBe(false);
    },
  );

  it('refuses a --base-url flag to a non-loopback http host too', async () => {
    const { input } = await validInput();
    const run = await runCli(['apply', input, '--base-url', 'http://admin.example.com'], {
      env: { CAKE_API_KEY: API_KEY },
    });
    expectUsageError(run, /refusing http:\/\/ to admin\.example\.com/);
  });

  it.for([
    ['--concurrency', '0', /^cake-bulk: --concurrency takes a whole number from 1 to 1024, not 0$/m],
    ['--concurrency', 'four', /^cake-bulk: --concurrency takes a number, not "four"$/m],
    ['--concurrency', '2.5', /--concurrency takes a whole number from 1 to 1024, not 2\.5/],
    ['--max-attempts', '0', /^cake-bulk: --max-attempts takes a whole number from 1 to 100, not 0$/m],
    ['--timeout', '-5', /--timeout/],
    ['--rate', '0', /^cake-bulk: --rate takes a number above 0, not 0$/m],
    ['--base-url', 'not a url', /--base-url takes a URL like https:\/\/admin\.example\.com, not "not a url"/],
    ['--base-url', 'ftp://cake.example.com', /--base-url takes an https:\/\/ URL, not ftp:\/\//],
  ] as const)(
    'refuses %s %j with a message saying what was expected',
    async ([flag, value, message], ctx) => {
      const s = await sandboxFor(ctx);
      const { input } = await validInput();
      const run = await runCli(['apply', input, flag, value], {
        env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
      });
      expectUsageError(run, message);
      expect(s.stats.connections).toBe(0);
    },
  );

  it('has no flag that takes the key itself (it would show in ps and shell history)', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { input } = await validInput();
    const run = await runCli(['apply', input, '--api-key', API_KEY], { env: { CAKE_BASE_URL: s.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^cake-bulk: there is no --api-key flag: .* set CAKE_API_KEY or pass --api-key-file PATH$/m,
    );
    expect(s.stats.connections).toBe(0);
  });

  it('refuses a missing input file with exit 2', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const run = await runCli(['apply', join(dir, 'nope.csv')], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    });
    expectUsageError(run, /nope\.csv: cannot read the input: no such file/);
  });

  it('refuses a directory given as the input with exit 2', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const run = await runCli(['apply', dir], { env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url } });
    expectUsageError(run, /cannot read the input: is a directory/);
    expect(s.stats.connections).toBe(0);
  });

  it.for<[string, (dir: string) => string, RegExp]>([
    ['names a directory', (dir: string) => dir, /cannot write .*: it is a directory/],
    [
      'sits under a file',
      (dir: string) => join(dir, 'valid.csv', 'r.csv'),
      /part of .*valid\.csv is a file, not a directory/,
    ],
  ])('refuses an --out that %s with one line and exit 2', async ([, out, message], ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await validInput();
    const run = await runCli(['apply', input, '--out', out(dir)], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    });
    expectUsageError(run, message);
    expect(s.stats.connections).toBe(0);
  });

  it('creates the folders --out names when they do not exist yet', async () => {
    const { dir, input } = await validInput();
    const out = join(dir, 'runs', 'today', 'valid.results.csv');
    const run = await runCli(['apply', input, '--dry-run', '--out', out]);
    expect(run.code).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^row,/);
  });

  it('refuses an unknown command with exit 2', async () => {
    const run = await runCli(['aply', 'x.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command/);
  });
});

describe.concurrent('--api-key-file', () => {
  it('reads the key from the file, trimming the newline, and ignores CAKE_API_KEY', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await validInput();
    const keyFile = join(dir, 'key.txt');
    await writeFile(keyFile, `${API_KEY}\n`);
    const run = await runCli(['apply', input, '--api-key-file', keyFile], {
      env: { CAKE_API_KEY: 'the-wrong-key', CAKE_BASE_URL: s.url },
    });
    expect(run.code).toBe(0);
    expect(s.stats.applied).toBe(4);
    expect(s.stats.byAnswer['401']).toBeUndefined();
  });

  it('refuses an unreadable key file with exit 2', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await validInput();
    const run = await runCli(['apply', input, '--api-key-file', join(dir, 'missing.txt')], {
      env: { CAKE_BASE_URL: s.url },
    });
    expectUsageError(run, /cannot read --api-key-file .*missing\.txt: ENOENT/);
    expect(s.stats.connections).toBe(0);
  });

  it('refuses an empty key file with exit 2', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await validInput();
    const keyFile = join(dir, 'key.txt');
    await writeFile(keyFile, '\n');
    const run = await runCli(['apply', input, '--api-key-file', keyFile], { env: { CAKE_BASE_URL: s.url } });
    expectUsageError(run, /no API key/);
  });
});

describe.concurrent('help and version', () => {
  it('prints the version from package.json and exits 0', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it('lists the commands with --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/apply/);
    expect(run.stdout).toMatch(/rerun/);
    expect(run.stdout).toMatch(/sandbox/);
  });

  it('documents the run flags in apply --help', async () => {
    const run = await runCli(['apply', '--help']);
    expect(run.code).toBe(0);
    for (const flag of [
      '--base-url',
      '--api-key-file',
      '--out',
      '--log',
      '--concurrency',
      '--rate',
      '--max-attempts',
      '--timeout',
      '--skip-invalid',
      '--dry-run',
      '--json',
      '--quiet',
      '--force',
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });
});

describe.concurrent('loopback http is allowed', () => {
  it('accepts --base-url http://127.0.0.1:PORT', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { input } = await validInput();
    const run = await runCli(['apply', input, '--base-url', `http://127.0.0.1:${s.port}`], {
      env: { CAKE_API_KEY: API_KEY },
    });
    expect(run.code).toBe(0);
    expect(s.stats.requests).toBe(4);
  });
});
