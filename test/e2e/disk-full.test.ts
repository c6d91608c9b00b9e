import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  API_KEY,
  payoutCsv,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  sandboxFor,
} from '../support/helpers.js';

// Linux's /dev/full answers every write with ENOSPC: a disk that fills up in the middle of a run.
const FULL = '/dev/full';

describe.skipIf(!existsSync(FULL)).concurrent('a disk that is full', () => {
  it('stops a run whose log cannot be written with one line and exit 2; --resume then finishes it', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const rows = 3000;
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(rows));
    const out = join(dir, 'offers.results.csv');
    const env = { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url };

    const failed = await runCli(['apply', input, '--log', FULL, '--quiet'], { env });
    expect(failed.code).toBe(2);
    expect(failed.stderr.trim().split('\n')).toEqual([
      'cake-bulk: cannot write /dev/full: no space left on the device',
    ]);
    // It stopped early, and what it recorded is whole lines, with the journal kept to resume from.
    expect(s.stats.requests).toBeLessThan(rows);
    expect(existsSync(`${out}.journal`)).toBe(true);
    expect((await readResults(out)).every((r) => r.status === 'updated')).toBe(true);

    const resumed = await runCli(['apply', input, '--resume', '--quiet'], { env });
    expect(resumed.code).toBe(0);
    const results = await readResults(out);
    expect(results.map((r) => Number(r.offer_id))).toEqual([...Array(rows).keys()].map((i) => i + 1));
    expect(results.every((r) => r.status === 'updated')).toBe(true);
    expect(s.store.updates.size).toBe(rows);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });

  it('refuses a results file it cannot write before sending anything', async (ctx) => {
    const s = await sandboxFor(ctx);
    const dir = await tempDir();
    const input = await writeCsv(dir, 'offers.csv', payoutCsv(10));
    const run = await runCli(['apply', input, '--out', FULL, '--force'], {
      env: { CAKE_API_KEY: API_KEY, CAKE_BASE_URL: s.url },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cake-bulk: cannot write /dev/full: it is not a regular file');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(s.stats.connections).toBe(0);
    // --force replaces a results file by renaming a new one over it: never over a device node.
    expect(statSync(FULL).isCharacterDevice()).toBe(true);
  });
});
