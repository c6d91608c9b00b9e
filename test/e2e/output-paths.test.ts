import { lstatSync } from 'node:fs';
import { link, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Sandbox } from '../../src/sandbox/server.js';
import {
  API_KEY,
  payoutCsv,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
  sandboxFor,
} from '../support/helpers.js';

function cli(s: Sandbox | undefined, args: string[]): Promise<CliRun> {
  return runCli([...args, '--timeout', '5000'], {
    env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s?.url },
  });
}

/** The directory's entries, sorted: a refused run must leave no temp, lock, snapshot or journal file. */
async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * The directory holds `expected` and nothing else, but for the run's own log, which a run refused after
 * opening it may leave behind, empty. Never a temp file, lock, snapshot or journal.
 */
async function expectNothingBut(dir: string, expected: string[], log: string): Promise<void> {
  const left = await entries(dir);
  if (left.includes(log)) expect((await stat(join(dir, log))).size).toBe(0);
  expect(left.filter((name) => name !== log)).toEqual([...expected].sort());
}

/** A directory with `in.csv` (3 rows) and its exact bytes. */
async function withInput(): Promise<{ dir: string; input: string; bytes: Buffer }> {
  const dir = await tempDir();
  const input = await writeCsv(dir, 'in.csv', payoutCsv(3));
  return { dir, input, bytes: await readFile(input) };
}

/** One line on stderr, `cake-bulk: ...`, and no stack trace or internal error. */
function expectOneLineRefusal(run: CliRun): void {
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(/^cake-bulk: /);
  expect(run.stderr).not.toMatch(/unexpected error|internal error|\n\s+at /);
}

describe.concurrent('an output path that is the input', () => {
  it('refuses apply in.csv --out in.csv --force: input untouched, nothing sent, nothing written', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, bytes } = await withInput();
    const run = await cli(s, ['apply', input, '--out', input, '--force']);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--out ${input} is the input file itself`);
    expect(await readFile(input)).toEqual(bytes);
    expect(s.stats.requests).toBe(0);
    expect(await entries(dir)).toEqual(['in.csv']);
  });

  it('refuses --log in.csv: the log would append to the input', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, bytes } = await withInput();
    const run = await cli(s, ['apply', input, '--log', input]);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--log ${input} is the input file itself`);
    expect(await readFile(input)).toEqual(bytes);
    expect(s.stats.requests).toBe(0);
    expect(await entries(dir)).toEqual(['in.csv']);
  });

  it('refuses a dry run with --out in.csv --force as well', async () => {
    const { dir, input, bytes } = await withInput();
    const run = await cli(undefined, ['apply', input, '--dry-run', '--out', input, '--force']);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain('is the input file itself');
    expect(await readFile(input)).toEqual(bytes);
    expect(await entries(dir)).toEqual(['in.csv']);
  });

  it('refuses rerun x.results.csv --out x.results.csv --force: the results file it reads is untouched', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await withInput();
    expect((await cli(s, ['apply', input])).code).toBe(0);
    const results = join(dir, 'in.results.csv');
    const bytes = await readFile(results);
    const before = await entries(dir);
    const sent = s.stats.requests;

    const run = await cli(s, ['rerun', results, '--out', results, '--force']);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--out ${results} is the input file itself`);
    expect(await readFile(results)).toEqual(bytes);
    expect(s.stats.requests).toBe(sent);
    expect(await entries(dir)).toEqual(before);
  });

  it('refuses --out r.csv --log r.csv, naming both', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input } = await withInput();
    const same = join(dir, 'r.csv');
    const run = await cli(s, ['apply', input, '--out', same, '--log', same]);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--log ${same} is the same file as --out ${same}`);
    expect(s.stats.requests).toBe(0);
    expect(await entries(dir)).toEqual(['in.csv']);
  });

  it('refuses --out a hard link to the input', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, bytes } = await withInput();
    const hard = join(dir, 'hard.csv');
    await link(input, hard);
    const run = await cli(s, ['apply', input, '--out', hard, '--force']);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--out ${hard} is the input file itself`);
    expect(await readFile(input)).toEqual(bytes);
    expect(s.stats.requests).toBe(0);
    expect(await entries(dir)).toEqual(['hard.csv', 'in.csv']);
  });

  it('refuses --out a symbolic link to the input', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, bytes } = await withInput();
    const soft = join(dir, 'soft.csv');
    await symlink(input, soft);
    const run = await cli(s, ['apply', input, '--out', soft, '--force']);

    expectOneLineRefusal(run);
    expect(run.stderr).toContain(`--out ${soft} is the input file itself`);
    expect(await readFile(input)).toEqual(bytes);
    expect(lstatSync(soft).isSymbolicLink()).toBe(true);
    expect(s.stats.requests).toBe(0);
    expect(await entries(dir)).toEqual(['in.csv', 'soft.csv']);
  });
});

describe.concurrent('outputs are never written through a symbolic link', () => {
  const VICTIM = 'do not overwrite me\n';

  /** `p.csv` and `victim.txt`, with `name` planted as a link to the victim. */
  async function planted(
    name: string,
  ): Promise<{ dir: string; input: string; linkPath: string; victim: string }> {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'p.csv', payoutCsv(3));
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, VICTIM);
    const linkPath = join(dir, name);
    await symlink(victim, linkPath);
    return { dir, input, linkPath, victim };
  }

  it('a dry run does not replace a planted p.dry-run.results.csv -> victim.txt', async () => {
    const { dir, input, linkPath, victim } = await planted('p.dry-run.results.csv');
    const run = await cli(undefined, ['apply', input, '--dry-run']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot write ${linkPath}: it is a symbolic link`);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(await readFile(victim, 'utf8')).toBe(VICTIM);
    expect(lstatSync(linkPath).isSymbolicLink()).toBe(true);
    await expectNothingBut(dir, ['p.csv', 'victim.txt', 'p.dry-run.results.csv'], 'p.dry-run.log.jsonl');
  });

  it('refuses --log a symbolic link to a victim file', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, linkPath, victim } = await planted('log.jsonl');
    const run = await cli(s, ['apply', input, '--log', linkPath]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot write ${linkPath}: it is a symbolic link`);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(await readFile(victim, 'utf8')).toBe(VICTIM);
    expect(lstatSync(linkPath).isSymbolicLink()).toBe(true);
    expect(s.stats.requests).toBe(0);
    // The results file may not be created either: a run refused for its log writes nothing at all.
    expect(await entries(dir)).toEqual(['log.jsonl', 'p.csv', 'victim.txt']);
  });

  it('refuses --out a symbolic link to a victim file, even with --force', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, linkPath, victim } = await planted('out.csv');
    const run = await cli(s, ['apply', input, '--out', linkPath, '--force']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot write ${linkPath}: it is a symbolic link`);
    expect(run.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(await readFile(victim, 'utf8')).toBe(VICTIM);
    expect(lstatSync(linkPath).isSymbolicLink()).toBe(true);
    expect(s.stats.requests).toBe(0);
    await expectNothingBut(dir, ['out.csv', 'p.csv', 'victim.txt'], 'p.log.jsonl');
  });

  it('apply --force over a planted journal and snapshot link writes into neither victim', async (ctx) => {
    const s = await sandboxFor(ctx);
    const { dir, input, victim } = await planted('p.results.csv.journal');
    const other = join(dir, 'victim-2.txt');
    await writeFile(other, VICTIM);
    await symlink(other, join(dir, 'p.results.csv.snapshot'));
    const run = await cli(s, ['apply', input, '--force']);

    expect(run.code).toBe(0);
    expect(await readFile(victim, 'utf8')).toBe(VICTIM);
    expect(await readFile(other, 'utf8')).toBe(VICTIM);
    expect(s.stats.requests).toBe(3);
    // The links were removed (not followed) and the run's own files were cleaned up after it.
    expect(await entries(dir)).toEqual([
      'p.csv',
      'p.log.jsonl',
      'p.results.csv',
      'victim-2.txt',
      'victim.txt',
    ]);
  });
});
