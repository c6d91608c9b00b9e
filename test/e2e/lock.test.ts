import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, readResults, runCli } from '../support/helpers.js';
import {
  closeApplyRuns,
  inputRows,
  offersNotMatching,
  rowNumbers,
  startApplyRun,
  waitFor,
} from '../support/fault-helpers.js';

afterEach(closeApplyRuns);

const ROWS = 400;

/** The pid of a process that has exited: no process has it now (pids are not reused this fast). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.on('exit', resolve));
  return pid;
}

describe('a second run on the same results file', () => {
  it.each([['--resume'], ['--force']])(
    'apply %s while the first is sending is refused at once, naming its pid; the first sends each row once',
    async (flag) => {
      const { server, input, out, apply } = await startApplyRun(ROWS, { latencyMs: 20 }, [
        '--concurrency',
        '4',
      ]);
      let firstPid = 0;
      let firstDone = false;
      const first = runCli(['apply', input, '--base-url', server.url, '--concurrency', '4'], {
        env: { CAKE_API_KEY: API_KEY },
        onSpawn: (pid) => (firstPid = pid),
      }).then((run) => {
        firstDone = true;
        return run;
      });
      await waitFor(() => server.stats.requests >= 20);

      const second = await apply(flag);

      expect(firstDone).toBe(false);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(`pid ${firstPid}`);
      expect(second.stderr).toContain(`is writing ${out}`);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      // The refused run leaves the first run's lock where it was.
      expect(JSON.parse(await readFile(`${out}.lock`, 'utf8')).pid).toBe(firstPid);

      const done = await first;
      expect(done.code).toBe(0);
      for (const run of [done, second]) expect(run.stderr).not.toMatch(/unexpected error|internal error/);
      expect(server.stats.requests).toBe(ROWS);
      expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
      expect(server.store.updates.size).toBe(ROWS);
      const results = await readResults(out);
      expect(rowNumbers(results)).toEqual(inputRows(ROWS));
      expect(results.every((row) => row.status === 'updated')).toBe(true);
      expect(existsSync(`${out}.lock`)).toBe(false);
      expect(existsSync(`${out}.journal`)).toBe(false);
    },
  );
});

describe('a stale lock', () => {
  it('naming a pid that is no longer running is taken over with a warning, and the run completes', async () => {
    const rows = 30;
    const { server, out, apply } = await startApplyRun(rows);
    const pid = await deadPid();
    await writeFile(
      `${out}.lock`,
      `${JSON.stringify({ pid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z', command: 'cake-bulk apply x' })}\n`,
    );

    const run = await apply();

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`warning: took over \\S+\\.lock: .*pid ${pid}\\b.*no longer running`),
    );
    expect(run.stderr).not.toMatch(/unexpected error|internal error/);
    expect(server.stats.requests).toBe(rows);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('that names no run and is old (a run killed while starting) is taken over with a warning', async () => {
    const rows = 10;
    const { server, out, apply } = await startApplyRun(rows);
    await writeFile(`${out}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    await utimes(`${out}.lock`, old, old);

    const run = await apply();

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: took over \S+\.lock: it did not name a run/);
    expect(server.stats.requests).toBe(rows);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('naming a live process is not taken over: refused, nothing sent, the lock left alone', async () => {
    const { server, out, apply } = await startApplyRun(10);
    const lock = `${JSON.stringify({ pid: process.pid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z', command: 'cake-bulk apply x' })}\n`;
    await writeFile(`${out}.lock`, lock);

    const run = await apply();

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`pid ${process.pid}`);
    expect(server.stats.requests).toBe(0);
    expect(await readFile(`${out}.lock`, 'utf8')).toBe(lock);
    expect(existsSync(out)).toBe(false);
  });
});
