import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/server.js';
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

const ROWS = 300;

/** An apply interrupted by Ctrl-C part-way, its journal left beside the results; latency 0 again after. */
async function interrupted() {
  const run = await startApplyRun(ROWS, { latencyMs: 20 }, ['--concurrency', '4']);
  const first = run.apply();
  await waitFor(() => run.server.stats.requests >= 40);
  run.signal('SIGINT');
  const stopped = await first;
  expect(stopped.code).toBe(130);
  run.server.configure({ latencyMs: 0 });
  const journal = `${run.out}.journal`;
  const lines = (await readFile(journal, 'utf8')).split('\n').filter((line) => line !== '');
  const results = await readResults(run.out);
  const sent = results.filter((row) => row.status === 'updated').map((row) => Number(row.row));
  return { ...run, journal, lines, sent };
}

/** An `updated` line of the journal, moved to `row` (offer `row - 1`, position `row - 2`). */
function movedTo(lines: string[], row: number): Record<string, unknown> {
  const line = lines.find((candidate) => candidate.includes('"status":"updated"'))!;
  return { ...(JSON.parse(line) as Record<string, unknown>), seq: row - 2, row };
}

/** The line as cake-bulk signs it: a CRC-32 over the run id, then the JSON, as the last field. */
function signed(runId: string, entry: Record<string, unknown>): string {
  const { sum: _sum, ...rest } = entry;
  const json = JSON.stringify(rest);
  const sum = crc32(json, crc32(runId)).toString(16).padStart(8, '0');
  return `${json.slice(0, -1)},"sum":"${sum}"}`;
}

describe('--resume over a journal edited by hand', () => {
  it('sends a row whose copied "updated" line failed its checksum, and warns about the line', async () => {
    const { server, out, journal, lines, sent, apply } = await interrupted();
    // A row the interrupted run never sent, claimed as updated by a copied line with its row changed.
    const forged = ROWS;
    expect(sent).not.toContain(forged);
    expect(server.store.updates.get(forged - 1)).toBeUndefined();
    await writeFile(journal, `${[...lines, JSON.stringify(movedTo(lines, forged))].join('\n')}\n`);

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/warning: 1 line\(s\) of \S+\.journal failed their checksum/);
    expect(server.store.updates.get(forged - 1)).toBe(1);
    // Every row was updated exactly once over the two runs.
    expect(server.stats.requests).toBe(ROWS);
    expect([...server.store.updates.values()].every((count) => count === 1)).toBe(true);
    expect(offersNotMatching(server.store, ROWS)).toEqual([]);
    const results = await readResults(out);
    expect(rowNumbers(results)).toEqual(inputRows(ROWS));
    expect(results.every((row) => row.status === 'updated')).toBe(true);
  });

  it("sends a row claimed by a line with a valid checksum but another row's request", async () => {
    const { server, journal, lines, sent, apply } = await interrupted();
    const header = JSON.parse(lines[0]!) as { run_id?: string };
    const forged = ROWS - 1;
    expect(sent).not.toContain(forged);
    const entry = movedTo(lines, forged);
    // The old journal format has no checksum to recompute: there the line is taken as it is.
    const line = header.run_id ? signed(header.run_id, entry) : JSON.stringify(entry);
    await writeFile(journal, `${[...lines, line].join('\n')}\n`);

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(0);
    expect(server.store.updates.get(forged - 1)).toBe(1);
    expect(server.stats.requests).toBe(ROWS);
    expect(offersNotMatching(server.store, ROWS)).toEqual([]);
  });

  it('refuses a journal whose first line was edited, in one line, sending nothing', async () => {
    const { server, journal, lines, apply } = await interrupted();
    const before = server.stats.requests;
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    const edited = JSON.stringify({ ...header, started_at: '2020-01-01T00:00:00.000Z' });
    await writeFile(journal, `${[edited, ...lines.slice(1)].join('\n')}\n`);

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(2);
    expect(resumed.stderr.trim().split('\n')).toHaveLength(1);
    expect(resumed.stderr).toContain(`${journal} is not a cake-bulk journal of this version`);
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    expect(server.stats.requests).toBe(before);
  });

  it("refuses a journal with another run's header pasted in, in one line, sending nothing", async () => {
    const { server, input, journal, lines, apply } = await interrupted();
    // Another run of the same file, to another --out, stopped at its first answer (the key is refused)
    // and so leaving a journal: same input hash and columns, another run id.
    const other = await startSandbox({ apiKey: 'another-key-3c9d1e' });
    const otherOut = join(input, '..', 'other.results.csv');
    try {
      const stopped = await runCli(['apply', input, '--base-url', other.url, '--out', otherOut], {
        env: { CAKE_API_KEY: API_KEY },
      });
      expect(stopped.code).toBe(2);
    } finally {
      await other.close();
    }
    const otherHeader = (await readFile(`${otherOut}.journal`, 'utf8')).split('\n')[0]!;
    expect(otherHeader).not.toBe(lines[0]);
    await writeFile(journal, `${[otherHeader, ...lines.slice(1)].join('\n')}\n`);
    const before = server.stats.requests;

    const resumed = await apply('--resume');

    expect(resumed.code).toBe(2);
    expect(resumed.stderr.trim().split('\n')).toHaveLength(1);
    expect(resumed.stderr).toContain(journal);
    expect(resumed.stderr).not.toMatch(/unexpected error/);
    expect(server.stats.requests).toBe(before);
  });
});
