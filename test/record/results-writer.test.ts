import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createResultsWriter } from '../../src/record/results-writer.js';
import type { RowOutcome, SourceRow } from '../../src/types.js';
import { tempDir } from '../support/helpers.js';

const done: RowOutcome = {
  status: 'updated',
  errorCode: '',
  error: '',
  httpStatus: 200,
  attempts: 1,
  durationMs: 3,
  offer: undefined,
};
const row = (seq: number, cells = [`${seq + 1}`]): SourceRow => ({ seq, row: seq + 2, cells });

async function writer(
  options: { overwrite?: boolean; excel?: boolean; window?: number; path?: string } = {},
) {
  const path = options.path ?? join(await tempDir(), 'r.results.csv');
  const results = createResultsWriter({
    path,
    inputColumns: ['offer_id'],
    excel: options.excel ?? false,
    overwrite: options.overwrite ?? false,
    window: options.window ?? 100,
  });
  return { path, results, lines: () => readFileSync(path, 'utf8').split(/\r?\n/).filter(Boolean) };
}

describe('the results writer', () => {
  it('writes rows in input order however they finish', async () => {
    const { results, lines } = await writer();
    for (const seq of [2, 0, 3, 1]) results.add(row(seq), done);
    results.close();
    expect(lines().map((line) => line.split(',')[0])).toEqual(['row', '2', '3', '4', '5']);
  });

  it('makes the reader wait once it is a window ahead of the oldest unfinished row', async () => {
    const { results } = await writer({ window: 3 });
    expect(results.waitForRoom(2)).toBeUndefined();
    const room = results.waitForRoom(3);
    expect(room).toBeInstanceOf(Promise);
    results.add(row(0), done);
    await room;
    expect(results.written).toBe(1);
    results.close();
  });

  it('refuses a file that is already there unless told to replace it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'r.results.csv');
    writeFileSync(path, 'earlier work\n');
    await expect(writer({ path })).rejects.toThrow(/already exists; pass --out .* --force/);
    expect(readFileSync(path, 'utf8')).toBe('earlier work\n');
  });

  it('replaces a file by renaming a complete new one over it: the old one stays whole until then', async () => {
    const dir = await tempDir();
    const path = join(dir, 'r.results.csv');
    writeFileSync(path, 'earlier work\n');
    const { results } = await writer({ path, overwrite: true });
    results.add(row(0), done);
    expect(readFileSync(path, 'utf8')).toBe('earlier work\n');
    results.close();
    expect(readFileSync(path, 'utf8')).toMatch(/^row,offer_id,status/);
  });

  it('refuses to replace a symbolic link, leaving both the link and its target alone', async () => {
    const dir = await tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'keep me\n');
    const path = join(dir, 'r.results.csv');
    symlinkSync(victim, path);
    await expect(writer({ path, overwrite: true })).rejects.toThrow(/symbolic link/);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
  });

  it('writes a BOM and CRLF for Excel when asked', async () => {
    const { path, results } = await writer({ excel: true });
    results.add(row(0), done);
    results.close();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toContain('\r\n');
  });
});
