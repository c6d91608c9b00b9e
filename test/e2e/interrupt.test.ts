import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readResults } from '../support/helpers.js';
import {
  closeApplyRuns,
  inputRows,
  offersNotMatching,
  readIntactResults,
  rowNumbers,
  startApplyRun,
  waitFor,
} from '../support/fault-helpers.js';

afterEach(closeApplyRuns);

describe('the first Ctrl-C', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops starting rows, lets in-flight ones finish, marks the rest skipped and exits 130',
    async (name) => {
      const rows = 200;
      const { server, out, apply, signal } = await startApplyRun(rows, { latencyMs: 150 });
      const run = apply('--concurrency', '4');
      await waitFor(() => server.stats.requests >= 8);
      signal(name);
      const stopped = await run;

      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toContain(`--resume --out ${out}`);
      const results = await readResults(out);
      expect(rowNumbers(results)).toEqual(inputRows(rows));
      const updated = results.filter((row) => row.status === 'updated');
      const skipped = results.filter((row) => row.status === 'skipped');
      // Every request that reached the server was allowed to finish, and nothing else was sent.
      expect(updated.length).toBe(server.stats.requests);
      expect(updated.length + skipped.length).toBe(rows);
      expect(skipped.length).toBeGreaterThan(rows / 2);
      expect(skipped.every((row) => row.error_code === 'E_STOPPED_INTERRUPTED')).toBe(true);
      expect(skipped[0]!.error).toMatch(/--resume/);
      expect(existsSync(`${out}.journal`)).toBe(true);

      server.configure({ latencyMs: 0 });
      const before = server.stats.requests;
      const resumed = await apply('--resume', '--concurrency', '4');
      expect(resumed.code).toBe(0);
      expect(server.stats.requests - before).toBe(skipped.length);
      const final = await readResults(out);
      expect(rowNumbers(final)).toEqual(inputRows(rows));
      expect(final.every((row) => row.status === 'updated')).toBe(true);
      expect(offersNotMatching(server.store, rows)).toEqual([]);
    },
  );
});

describe('the first Ctrl-C with --rate', () => {
  it('does not wait out the rate limit for rows that will never be sent', async () => {
    const rows = 50;
    const { server, out, apply, signal } = await startApplyRun(rows, {});
    // At 1 request per second, 8 workers queue for slots up to 7 s ahead.
    const run = apply('--concurrency', '8', '--rate', '1');
    await waitFor(() => server.stats.requests >= 2);
    const signalledAt = performance.now();
    signal('SIGINT');
    const stopped = await run;

    expect(performance.now() - signalledAt).toBeLessThan(2500);
    expect(stopped.code).toBe(130);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    expect(results.filter((row) => row.status === 'updated')).toHaveLength(server.stats.requests);
    expect(results.filter((row) => row.status === 'skipped')).toHaveLength(rows - server.stats.requests);
  });
});

describe('the second Ctrl-C', () => {
  it('aborts in-flight requests at once: those rows skipped with E_ABORTED, results still written', async () => {
    const rows = 50;
    // The server takes 20 s to answer, far past the moment of the second Ctrl-C.
    const { server, out, apply, signal } = await startApplyRun(rows, { latencyMs: 20_000 });
    const run = apply('--concurrency', '4');
    await waitFor(() => server.stats.inFlight === 4);
    signal('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const secondAt = performance.now();
    signal('SIGINT');
    const stopped = await run;

    expect(performance.now() - secondAt).toBeLessThan(3000);
    expect(stopped.code).toBe(130);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(rows));
    const aborted = results.filter((row) => row.error_code === 'E_ABORTED');
    expect(aborted.map((row) => row.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(aborted[0]!.error).toMatch(/may or may not have been applied/);
    // The rows never sent wait in the reader until the aborted ones free their slots.
    const rest = results.filter((row) => row.error_code !== 'E_ABORTED');
    expect(rest).toHaveLength(rows - 4);
    expect(rest.every((row) => row.status === 'skipped' && /^E_STOPPED_/.test(row.error_code!))).toBe(true);
    expect(server.stats.requests).toBe(4);

    server.configure({ latencyMs: 0 });
    const resumed = await apply('--resume', '--concurrency', '4');
    expect(resumed.code).toBe(0);
    const final = await readResults(out);
    expect(final.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
  });
});

describe('kill -9', () => {
  it('leaves a results file with no torn or duplicated lines; resume finishes each row once', async () => {
    const rows = 3000;
    const { server, out, apply, signal } = await startApplyRun(rows, {});
    const run = apply('--concurrency', '8');
    await waitFor(() => server.store.updates.size >= rows / 2);
    signal('SIGKILL');
    expect((await run).signal).toBe('SIGKILL');

    const left = await readIntactResults(out);
    expect(left.endsWithNewline).toBe(true);
    // What a killed run leaves is a prefix of the input, each row once.
    expect(rowNumbers(left.rows)).toEqual(inputRows(left.rows.length));
    expect(left.rows.every((row) => row.status === 'updated')).toBe(true);

    const resumed = await apply('--resume', '--concurrency', '8');
    expect(resumed.code).toBe(0);
    const final = await readResults(out);
    expect(rowNumbers(final)).toEqual(inputRows(rows));
    expect(final.every((row) => row.status === 'updated')).toBe(true);
    expect(offersNotMatching(server.store, rows)).toEqual([]);
  });

  it('leaves a half-written results file behind when it lands in a resumed run; the next run removes it', async () => {
    const rows = 3000;
    const { server, out, apply, signal } = await startApplyRun(rows, {});
    const run = apply('--concurrency', '8');
    await waitFor(() => server.store.updates.size >= rows / 3);
    signal('SIGKILL');
    await run;
    // A resumed run rewrites the results beside the file and renames at the end; kill it before then.
    const again = apply('--resume', '--concurrency', '8');
    await waitFor(() => server.store.updates.size >= (rows * 2) / 3);
    signal('SIGKILL');
    expect((await again).signal).toBe('SIGKILL');
    const dir = dirname(out);
    const temps = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));
    expect(temps()).toHaveLength(1);
    // One named for a live process (this one) is another run's, and stays.
    const live = `.${basename(out)}.${process.pid}.0badf00d.tmp`;
    writeFileSync(join(dir, live), '');

    const resumed = await apply('--resume', '--concurrency', '8');
    expect(resumed.code).toBe(0);
    expect(temps()).toEqual([live]);
    expect((await readResults(out)).every((row) => row.status === 'updated')).toBe(true);
  });
});
