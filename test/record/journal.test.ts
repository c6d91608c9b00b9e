import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJournal, readJournal, requestId, type JournalHeader } from '../../src/record/journal.js';
import type { RowOutcome } from '../../src/types.js';
import { tempDir } from '../support/helpers.js';

const header = (runId = 'run-1'): JournalHeader => ({
  journal: 2,
  run_id: runId,
  input: 'offers.csv',
  input_sha256: 'abc',
  identity: { mode: 'apply', sheet: '', delimiter: ',', columns: '["offer_id","payout"]' },
  started_at: '2026-12-01T00:00:00.000Z',
});
const outcome = (status: RowOutcome['status']): RowOutcome => ({
  status,
  errorCode: status === 'updated' ? '' : 'E_HTTP_503',
  error: '',
  httpStatus: 200,
  attempts: 1,
  durationMs: 5,
  offer: { payout: '2' },
});

async function written(rows: Array<[number, RowOutcome['status']]>): Promise<string> {
  const path = join(await tempDir(), 'r.csv.journal');
  const journal = createJournal(path, header(), 'new');
  for (const [seq, status] of rows)
    journal.append(seq, seq + 2, requestId(`{"offer_id":${seq}}`), outcome(status));
  journal.close(false);
  return path;
}

describe('the journal', () => {
  it('reads back the rows it lists as updated, a later line for a row winning', async () => {
    const path = await written([
      [0, 'updated'],
      [1, 'failed'],
      [2, 'updated'],
      [2, 'failed'],
      [1, 'updated'],
    ]);
    const read = readJournal(path)!;
    expect([...read.updated.keys()].sort()).toEqual([0, 1]);
    expect(read.updated.get(0)).toMatchObject({ row: 2, request: requestId('{"offer_id":0}') });
    expect(read.rejected).toBe(0);
    expect(read.header.identity).toEqual(header().identity);
  });

  it('ignores a line cut short by a kill mid-write, without counting it as tampered', async () => {
    const path = await written([
      [0, 'updated'],
      [1, 'updated'],
    ]);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, text.length - 20));
    const read = readJournal(path)!;
    expect([...read.updated.keys()]).toEqual([0]);
    expect(read.rejected).toBe(0);
  });

  it('does not believe a line added or edited by hand: its checksum fails and its row is not done', async () => {
    const path = await written([[0, 'updated']]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const forged = lines[1]!.replace('"seq":0', '"seq":7').replace('"row":2', '"row":9');
    const edited = lines[1]!.replace('"payout":"2"', '"payout":"9"');
    writeFileSync(path, `${[lines[0], lines[1], forged, edited].join('\n')}\n`);
    const read = readJournal(path)!;
    expect([...read.updated.keys()]).toEqual([0]);
    expect(read.updated.get(0)?.outcome.offer).toEqual({ payout: '2' });
    expect(read.rejected).toBe(2);
  });

  it('does not believe a line from another run pasted in', async () => {
    const path = await written([[0, 'updated']]);
    const other = join(await tempDir(), 'other.journal');
    const journal = createJournal(other, header('run-2'), 'new');
    journal.append(5, 7, 'ffffffff', outcome('updated'));
    journal.close(false);
    const foreign = readFileSync(other, 'utf8').trimEnd().split('\n')[1]!;
    writeFileSync(path, `${readFileSync(path, 'utf8')}${foreign}\n`);
    const read = readJournal(path)!;
    expect([...read.updated.keys()]).toEqual([0]);
    expect(read.rejected).toBe(1);
  });

  it('refuses a journal whose first line was edited, or one of the old version', async () => {
    const path = await written([[0, 'updated']]);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"input_sha256":"abc"', '"input_sha256":"abd"'));
    expect(() => readJournal(path)).toThrow(/not a cake-bulk journal of this version/);
    writeFileSync(path, '{"journal":1,"input":"x","input_sha256":"abc"}\n');
    expect(() => readJournal(path)).toThrow(/not a cake-bulk journal/);
  });

  it('appends to the journal a resumed run continues, keeping its header', async () => {
    const path = await written([[0, 'updated']]);
    const resumed = createJournal(path, header(), 'append');
    resumed.append(1, 3, 'aaaaaaaa', outcome('updated'));
    resumed.close(false);
    expect([...readJournal(path)!.updated.keys()]).toEqual([0, 1]);
  });
});
