import { existsSync, fdatasyncSync, readFileSync, unlinkSync } from 'node:fs';
import { OutputError } from '../errors.js';
import type { RowOutcome } from '../types.js';
import { createLineFile } from './line-file.js';
import { cannotWrite, openOutputFile } from './output-file.js';

/**
 * An append-only record of finished rows, in the order they finished, flushed in small groups. It is what
 * `--resume` reads after a crash: rows it lists as updated are not sent again.
 */
export interface Journal {
  append(seq: number, row: number, outcome: RowOutcome): void;
  /** Closes; `remove` deletes it once the results file is complete and the journal has nothing left to say. */
  close(remove: boolean): void;
}

export interface JournalHeader {
  journal: 1;
  input: string;
  input_sha256: string;
  started_at: string;
}

export interface JournalEntry {
  seq: number;
  row: number;
  outcome: RowOutcome;
}

const FLUSH_MS = 100;
/**
 * Writes reach the file at once (a killed process loses nothing written); syncing to disk, which only a
 * power loss needs, happens at most this often. What a power loss could cost is a second of rows sent
 * again on --resume, which is safe: updates set absolute values.
 */
const SYNC_MS = 1000;

export function journalPath(resultsPath: string): string {
  return `${resultsPath}.journal`;
}

/** A journal is in the way: an interrupted run left it. */
export function journalExists(path: string): OutputError {
  return new OutputError(
    'E_JOURNAL_EXISTS',
    `${path} is left from an interrupted run; pass --resume to continue it or --force to start over`,
  );
}

/** Opens a journal; with `append` it continues the one a resumed run left (its header is kept). */
export function createJournal(
  path: string,
  header: JournalHeader,
  mode: 'new' | 'append' | 'overwrite',
): Journal {
  let fd: number;
  try {
    fd = openOutputFile(path, mode === 'append' ? 'a' : mode === 'overwrite' ? 'w' : 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw journalExists(path);
    throw error;
  }
  let syncedAt = performance.now();
  const sync = () => {
    try {
      fdatasyncSync(fd);
    } catch (error) {
      throw cannotWrite(path, error);
    }
    syncedAt = performance.now();
  };
  const file = createLineFile(fd, {
    path,
    maxDelayMs: FLUSH_MS,
    afterWrite: () => {
      if (performance.now() - syncedAt >= SYNC_MS) sync();
    },
  });
  // A resumed run's journal may end in a torn line (the process was killed); a fresh line keeps it apart.
  file.write(mode === 'append' ? '\n' : `${JSON.stringify(header)}\n`);
  file.flush();
  let closed = false;

  return {
    append(seq, row, outcome) {
      const { status, errorCode, error, httpStatus, attempts, durationMs, offer } = outcome;
      file.write(
        `${JSON.stringify({ seq, row, status, code: errorCode, error, http: httpStatus, attempts, ms: durationMs, offer })}\n`,
      );
    },
    close(remove) {
      if (closed) return;
      closed = true;
      file.flush();
      if (!remove) sync();
      file.close();
      if (remove) unlinkSync(path);
    },
  };
}

/**
 * Reads a journal left by an earlier run. A torn last line (the process died mid-write) is ignored; a
 * later entry for the same row wins.
 */
export function readJournal(
  path: string,
): { header: JournalHeader; updated: Map<number, JournalEntry> } | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = safeParse(lines[0] ?? '') as JournalHeader | undefined;
  if (!header || header.journal !== 1) {
    throw new OutputError('E_JOURNAL', `${path} is not a cake-bulk journal; move it away or pass --force`);
  }
  const updated = new Map<number, JournalEntry>();
  for (const line of lines.slice(1)) {
    const entry = safeParse(line) as
      | {
          seq: number;
          row: number;
          status: RowOutcome['status'];
          code: string;
          error: string;
          http?: number;
          attempts: number;
          ms: number;
          offer?: RowOutcome['offer'];
        }
      | undefined;
    if (!entry || typeof entry.seq !== 'number') continue;
    if (entry.status === 'updated') {
      updated.set(entry.seq, {
        seq: entry.seq,
        row: entry.row,
        outcome: {
          status: 'updated',
          errorCode: entry.code,
          error: entry.error,
          httpStatus: entry.http,
          attempts: entry.attempts,
          durationMs: entry.ms,
          offer: entry.offer,
        },
      });
    } else {
      updated.delete(entry.seq);
    }
  }
  return { header, updated };
}

function safeParse(line: string): unknown {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
