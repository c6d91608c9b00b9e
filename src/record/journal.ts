import { fdatasyncSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { OutputError } from '../errors.js';
import type { RowOutcome } from '../types.js';
import { createLineFile } from './line-file.js';
import { cannotWrite, openOutputFile, readOwnFile, removeQuietly } from './output-file.js';

/**
 * An append-only record of finished rows, in the order they finished, flushed in small groups. It is what
 * `--resume` reads after a crash: rows it lists as updated are not sent again. Every line carries a
 * checksum over its content and the run's id, so a line added or edited by hand, or one from another
 * run, is not believed.
 */
export interface Journal {
  /** `request` identifies what was sent for the row (`requestId`), so a resume can tell it is the same row. */
  append(seq: number, row: number, request: string, outcome: RowOutcome): void;
  /** Closes; `remove` deletes it once the results file is complete and the journal has nothing left to say. */
  close(remove: boolean): void;
}

/** What a run read, so a resume can refuse to continue it over different rows: file, sheet, delimiter, columns. */
export type RunIdentity = Record<string, string>;

export interface JournalHeader {
  journal: 2;
  run_id: string;
  input: string;
  input_sha256: string;
  identity: RunIdentity;
  started_at: string;
}

export interface JournalEntry {
  seq: number;
  row: number;
  /** The `requestId` of what was sent. */
  request: string;
  outcome: RowOutcome;
}

const FLUSH_MS = 100;
/**
 * Writes reach the file at once (a killed process loses nothing written); syncing to disk, which only a
 * power loss needs, happens at most this often. What a power loss could cost is a second of rows sent
 * again on --resume, which is safe: updates set absolute values.
 */
const SYNC_MS = 1000;
const SUM = ',"sum":"';

export function journalPath(resultsPath: string): string {
  return `${resultsPath}.journal`;
}

/** A short fingerprint of a request's JSON, kept in the journal for each row. */
export function requestId(requestJson: string): string {
  return crc32(requestJson).toString(16).padStart(8, '0');
}

/** A journal is in the way: an interrupted run left it. */
export function journalExists(path: string): OutputError {
  return new OutputError(
    'E_JOURNAL_EXISTS',
    `${path} is left from an interrupted run; pass --resume to continue it or --force to start over`,
  );
}

/** The line with its checksum: a CRC-32 of the run id and the line's JSON, appended as its last field. */
function signed(runId: string, json: string): string {
  return `${json.slice(0, -1)}${SUM}${crc32(json, crc32(runId)).toString(16).padStart(8, '0')}"}\n`;
}

/** The JSON of a line whose checksum holds for this run, else undefined. */
function verified(runId: string, line: string): string | undefined {
  const at = line.lastIndexOf(SUM);
  if (at === -1 || !line.endsWith('"}')) return undefined;
  const json = `${line.slice(0, at)}}`;
  const sum = line.slice(at + SUM.length, -2);
  return crc32(json, crc32(runId)).toString(16).padStart(8, '0') === sum ? json : undefined;
}

/** Opens a journal; with `append` it continues the one a resumed run left (its header is kept). */
export function createJournal(
  path: string,
  header: JournalHeader,
  mode: 'new' | 'append' | 'overwrite',
): Journal {
  let fd: number;
  try {
    if (mode === 'overwrite') removeQuietly(path);
    fd = openOutputFile(path, mode === 'append' ? 'append' : 'create');
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
  const runId = header.run_id;
  // A resumed run's journal may end in a torn line (the process was killed); a fresh line keeps it apart.
  file.write(mode === 'append' ? '\n' : signed(runId, JSON.stringify(header)));
  file.flush();
  let closed = false;

  return {
    append(seq, row, request, outcome) {
      const { status, errorCode, error, httpStatus, attempts, durationMs, offer, before } = outcome;
      const json = JSON.stringify({
        seq,
        row,
        req: request,
        status,
        code: errorCode,
        error,
        http: httpStatus,
        attempts,
        ms: durationMs,
        offer,
        before,
      });
      file.write(signed(runId, json));
    },
    close(remove) {
      if (closed) return;
      closed = true;
      file.flush();
      if (!remove) sync();
      file.close();
      if (remove) removeQuietly(path);
    },
  };
}

/** What a journal says: its header, the rows it lists as updated, and how many lines it did not believe. */
export interface JournalContents {
  header: JournalHeader;
  updated: Map<number, JournalEntry>;
  /** Lines that failed their checksum or did not parse, a torn last line aside. */
  rejected: number;
}

/**
 * Reads a journal left by an earlier run. A torn last line (the process died mid-write) is ignored; a
 * line whose checksum fails is counted and ignored (its row counts as not done); a later entry for the
 * same row wins.
 */
export function readJournal(path: string): JournalContents | undefined {
  const text = readOwnFile(path);
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  const raw = safeParse(first) as Partial<JournalHeader> | undefined;
  const header =
    raw && raw.journal === 2 && typeof raw.run_id === 'string' && verified(raw.run_id, first)
      ? (raw as JournalHeader)
      : undefined;
  if (!header) {
    throw new OutputError(
      'E_JOURNAL',
      `${path} is not a cake-bulk journal of this version (or its first line was edited); move it away or pass --force to start over`,
    );
  }
  const updated = new Map<number, JournalEntry>();
  let rejected = 0;
  let accepted = 0;
  lines.forEach((line, index) => {
    // A line cut short by a kill mid-write never ends its object; it is no evidence either way.
    if (index === 0 || !line.trimEnd().endsWith('}')) return;
    const json = verified(header.run_id, line);
    const entry = json === undefined ? undefined : (safeParse(json) as JournalLine | undefined);
    if (!entry || typeof entry.seq !== 'number' || typeof entry.row !== 'number') {
      rejected++;
      return;
    }
    accepted++;
    if (entry.status !== 'updated') {
      updated.delete(entry.seq);
      return;
    }
    updated.set(entry.seq, {
      seq: entry.seq,
      row: entry.row,
      request: entry.req,
      outcome: {
        status: 'updated',
        errorCode: entry.code,
        error: entry.error,
        httpStatus: entry.http,
        attempts: entry.attempts,
        durationMs: entry.ms,
        offer: entry.offer,
        before: entry.before,
      },
    });
  });
  // Not one line holds under this first line: the header is another run's, pasted in or swapped.
  if (rejected > 0 && accepted === 0) {
    throw new OutputError(
      'E_JOURNAL',
      `${path}: no line of it belongs to its first line (the header of another run was put there?); move it away or pass --force to start over`,
    );
  }
  return { header, updated, rejected };
}

interface JournalLine {
  seq: number;
  row: number;
  req: string;
  status: RowOutcome['status'];
  code: string;
  error: string;
  http?: number;
  attempts: number;
  ms: number;
  offer?: RowOutcome['offer'];
  before?: RowOutcome['before'];
}

function safeParse(line: string): unknown {
  if (line.trim() === '') return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
