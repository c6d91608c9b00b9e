import { existsSync } from 'node:fs';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/record/journal.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  API_KEY,
  payoutCsv,
  readResults,
  runCli,
  tempDir,
  writeCsv,
  type CliRun,
} from '../support/helpers.js';
import {
  inputRows,
  offersNotMatching,
  readIntactResults,
  rowNumbers,
  waitFor,
} from '../support/fault-helpers.js';

const ROWS = 600;
let sandbox: Sandbox;
let dir: string;
let input: string;
let out: string;

beforeEach(async () => {
  // A little latency so a run lasts long enough to be killed in the middle.
  sandbox = await startSandbox({ apiKey: API_KEY, latencyMs: 15 });
  dir = await tempDir();
  input = await writeCsv(dir, 'offers.csv', payoutCsv(ROWS));
  out = join(dir, 'offers.results.csv');
});

afterEach(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

function apply(...extra: string[]): Promise<CliRun> {
  return applyKilledWhen(undefined, ...extra);
}

/** Runs apply; when `killAt` offers have been updated on the server, the child gets SIGKILL. */
function applyKilledWhen(killAt: number | undefined, ...extra: string[]): Promise<CliRun> {
  let pid = 0;
  const run = runCli(['apply', input, '--base-url', sandbox.url, '--concurrency', '8', ...extra], {
    env: { CAKE_API_KEY: API_KEY },
    onSpawn: (id) => (pid = id),
  });
  if (killAt !== undefined) {
    void waitFor(() => sandbox.store.updates.size >= killAt).then(() => process.kill(pid, 'SIGKILL'));
  }
  return run;
}

describe('--resume after kill -9', () => {
  it('sends only the rows the journal does not list as updated, and finishes each row once', async () => {
    const killed = await applyKilledWhen(ROWS / 3);
    expect(killed.signal).toBe('SIGKILL');
    const journal = readJournal(`${out}.journal`);
    expect(journal).toBeDefined();
    const done = [...journal!.updated.values()];
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(ROWS);
    const before = new Map(sandbox.store.updates);
    const requestsBefore = sandbox.stats.requests;

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(0);
    // Each journaled offer got no further request; every other row got exactly one.
    for (const entry of done)
      expect(sandbox.store.updates.get(entry.row - 1)).toBe(before.get(entry.row - 1));
    expect(sandbox.stats.requests - requestsBefore).toBe(ROWS - done.length);
    const rows = await readResults(out);
    expect(rowNumbers(rows)).toEqual(inputRows(ROWS));
    expect(rows.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(sandbox.store, ROWS)).toEqual([]);
    expect(resumed.stderr).toContain(`${done.length} carried over`);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });

  it('survives several kills in a row: the last resume leaves each row once and the state equal', async () => {
    for (const [i, point] of [100, 250, 400].entries()) {
      const killed = await applyKilledWhen(point, ...(i === 0 ? [] : ['--resume']));
      expect(killed.signal).toBe('SIGKILL');
      const { endsWithNewline, rows } = await readIntactResults(out);
      expect(endsWithNewline).toBe(true);
      expect(new Set(rowNumbers(rows)).size).toBe(rows.length);
    }
    const last = await apply('--resume');
    expect(last.code).toBe(0);
    const rows = await readResults(out);
    expect(rowNumbers(rows)).toEqual(inputRows(ROWS));
    expect(rows.filter((row) => row.status === 'updated')).toHaveLength(ROWS);
    expect(offersNotMatching(sandbox.store, ROWS)).toEqual([]);
  });

  it('ignores a torn last journal line and keeps every entry written after it', async () => {
    await applyKilledWhen(ROWS / 4);
    const journalFile = `${out}.journal`;
    await appendFile(journalFile, '{"seq":599,"row":601,"status":"upd');
    const again = await applyKilledWhen(ROWS / 2, '--resume');
    expect(again.signal).toBe('SIGKILL');
    // Only the very last line may be torn (by this kill): the torn tail must not swallow the next entry.
    const lines = (await readFile(journalFile, 'utf8')).split('\n').slice(0, -1);
    const unreadable = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable).toEqual(['{"seq":599,"row":601,"status":"upd']);
    const last = await apply('--resume');
    expect(last.code).toBe(0);
    const rows = await readResults(out);
    expect(rowNumbers(rows)).toEqual(inputRows(ROWS));
    expect(rows.every((row) => row.status === 'updated')).toBe(true);
  });
});

describe('--resume refuses', () => {
  it('refuses with exit 2 when the input changed since the interrupted run, and sends nothing', async () => {
    await applyKilledWhen(ROWS / 3);
    await writeFile(input, payoutCsv(ROWS).replace('\n1,1.25\n', '\n1,9.25\n'));
    const requests = sandbox.stats.requests;
    const journal = await readFile(`${out}.journal`, 'utf8');

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/changed since the interrupted run/);
    expect(sandbox.stats.requests).toBe(requests);
    expect(await readFile(`${out}.journal`, 'utf8')).toBe(journal);
  });

  it('refuses with exit 2 when there is no journal to resume', async () => {
    const resumed = await apply('--resume');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(/nothing to resume/);
    expect(sandbox.stats.requests).toBe(0);
  });

  it('apply without --resume never overwrites the results or journal an interrupted run left', async () => {
    await applyKilledWhen(ROWS / 3);
    const results = await readFile(out, 'utf8');
    const journal = await readFile(`${out}.journal`, 'utf8');
    const requests = sandbox.stats.requests;

    const again = await apply();
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--resume/);
    expect(await readFile(out, 'utf8')).toBe(results);
    await rm(out);
    const withoutResults = await apply();
    expect(withoutResults.code).toBe(2);
    expect(withoutResults.stderr).toMatch(/left from an interrupted run/);
    // Refused before anything was opened: no header-only results file in the way of the --resume to come.
    expect(existsSync(out)).toBe(false);

    expect(sandbox.stats.requests).toBe(requests);
    expect(await readFile(`${out}.journal`, 'utf8')).toBe(journal);
  });
});
