import { existsSync } from 'node:fs';
import { OutputError } from '../errors.js';
import { currentValuesPath } from '../record/current-values.js';
import {
  createJournal,
  journalExists,
  journalPath,
  readJournal,
  type Journal,
  type JournalEntry,
  type RunIdentity,
} from '../record/journal.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { Scan } from './scan-pass.js';

/** What a journal lets a resume carry over, after checking it belongs to this very run. */
export interface Resumed {
  /** Rows the interrupted run updated, by position; each is still checked against its row's request. */
  updated: Map<number, JournalEntry>;
  runId: string;
  /** Journal lines not believed (checksum), for a warning. */
  rejected: number;
}

const IDENTITY_NAMES: Record<string, string> = {
  mode: 'command',
  sheet: 'sheet (--sheet)',
  delimiter: 'delimiter (--delimiter)',
  columns: 'header row',
  map: 'column mapping (--map)',
};

/**
 * Reads the journal an interrupted run left, and refuses to continue it over anything but the same rows:
 * the same file content, sheet, delimiter and columns. Resuming another sheet of the same workbook would
 * otherwise mark rows updated that were never sent.
 */
export function loadResume(o: ResolvedOptions, scan: Scan): Resumed {
  const path = journalPath(o.out);
  const previous = readJournal(path);
  if (!previous) {
    // The values a run reads are stored before its journal opens: with them and no journal, it stopped
    // before its first update, and the plain command starts it cleanly.
    const why = existsSync(currentValuesPath(o.out))
      ? 'the earlier run stopped while reading current values, before its first update: run the same command without --resume'
      : 'did the earlier run use a different --out?';
    throw new OutputError('E_NOTHING_TO_RESUME', `nothing to resume: no journal at ${path} (${why})`);
  }
  if (previous.header.input_sha256 !== scan.sha256) {
    throw new OutputError(
      'E_INPUT_CHANGED',
      `${o.input} changed since the interrupted run (its content no longer matches ${path}); resuming could skip or repeat the wrong rows. Use --force to start over`,
    );
  }
  const identity = runIdentity(o, scan);
  for (const [key, value] of Object.entries({ ...previous.header.identity, ...identity })) {
    const before = previous.header.identity[key] ?? '';
    const now = identity[key] ?? '';
    if (before !== now) {
      throw new OutputError(
        'E_RESUME_MISMATCH',
        `cannot resume: the interrupted run read ${IDENTITY_NAMES[key] ?? key} ${JSON.stringify(before)}, this one ${JSON.stringify(now || value)}; resume with the same options, or pass --force to start over`,
      );
    }
  }
  return { updated: previous.updated, runId: previous.header.run_id, rejected: previous.rejected };
}

/** What the run reads, beyond the file's bytes: a resume must read the same. */
export function runIdentity(o: ResolvedOptions, scan: Scan): RunIdentity {
  return {
    mode: o.mode,
    sheet: scan.sheet ?? '',
    delimiter: scan.delimiter ?? '',
    columns: JSON.stringify(scan.columns.names),
    map: JSON.stringify(scan.columns.read.map(({ header, field }) => [header, field])),
  };
}

/**
 * Refuses to start over a journal an interrupted run left (without --resume or --force). Checked before the
 * run opens its log or results file, so a refused run leaves nothing behind.
 */
export function checkJournalFree(o: ResolvedOptions, resuming: boolean): void {
  const path = journalPath(o.out);
  if (!resuming && !o.force && existsSync(path)) throw journalExists(path);
}

/**
 * Opens this run's journal: new, overwritten (--force) or appended to (--resume). A new one is created
 * exclusively, so a journal that appeared since `checkJournalFree` is refused all the same.
 */
export function openJournal(
  o: ResolvedOptions,
  scan: Scan,
  resumed: Resumed | undefined,
  runId: string,
): Journal {
  return createJournal(
    journalPath(o.out),
    {
      journal: 2,
      run_id: runId,
      input: o.input,
      input_sha256: scan.sha256,
      identity: runIdentity(o, scan),
      started_at: new Date().toISOString(),
    },
    resumed ? 'append' : o.force ? 'overwrite' : 'new',
  );
}
