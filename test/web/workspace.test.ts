import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/web/run-meta.js';
import { createWorkspace } from '../../src/web/runs.js';
import { tempDir } from '../support/helpers.js';

describe('the workspace: one folder a run', () => {
  it('makes run folders named by time and chance, and lists them newest first', async () => {
    const ws = createWorkspace(await tempDir());
    const meta = { source: 'page', kind: 'upload', mode: 'apply', settings: DEFAULT_SETTINGS } as const;
    const a = ws.create(meta);
    await new Promise((r) => setTimeout(r, 5));
    const b = ws.create(meta);
    expect(a.id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    expect(ws.list().map((r) => r.id)).toEqual([b.id, a.id]);
  });

  it('reads a folder made for the command line: its sheet, the files apply wrote, the counts of its log', async () => {
    const dir = await tempDir();
    const ws = createWorkspace(dir);
    const folder = join(dir, 'runs', 'q4');
    await mkdir(folder);
    for (const name of [
      'payouts.csv',
      'payouts.results.csv',
      'payouts.undo.csv',
      'payouts.results.csv.journal',
    ]) {
      await writeFile(join(folder, name), 'x\n');
    }
    const end = { event: 'run_end', total: 3, updated: 2, failed: 1, stopped: 'interrupted', exitCode: 130 };
    await writeFile(join(folder, 'payouts.log.jsonl'), `{"event":"run_start"}\n${JSON.stringify(end)}\n`);
    const run = ws.get('q4')!;
    expect(run.input).toBe(join(folder, 'payouts.csv'));
    expect(run.meta).toMatchObject({ source: 'cli', mode: 'apply' });
    expect(run.files).toEqual({
      plan: undefined,
      results: join(folder, 'payouts.results.csv'),
      journal: join(folder, 'payouts.results.csv.journal'),
      log: join(folder, 'payouts.log.jsonl'),
      undo: join(folder, 'payouts.undo.csv'),
    });
    expect(run.summary).toMatchObject({
      counts: { total: 3, updated: 2, failed: 1 },
      stopped: 'interrupted',
    });
  });

  it.each(['..', '../..', '.hidden', 'a/b', 'a\\b', ''])('does not take %j for a run id', async (id) => {
    const ws = createWorkspace(await tempDir());
    expect(ws.get(id)).toBeUndefined();
  });

  it('does not follow a link in runs/ to a folder elsewhere', async () => {
    const dir = await tempDir();
    const ws = createWorkspace(dir);
    const outside = await tempDir();
    await writeFile(join(outside, 'input.csv'), 'offer_id,payout\n1,2\n');
    await symlink(outside, join(dir, 'runs', 'linked'));
    expect(ws.get('linked')).toBeUndefined();
    expect(ws.list()).toEqual([]);
  });
});
