import { existsSync } from 'node:fs';
import { OutputError } from '../errors.js';
import {
  createJournal,
  journalExists,
  journalPath,
  readJournal,
  type Journal,
  type JournalEntry,
} from '../record/journal.js';
import type { ResolvedOptions } from './options.js';
import type { Scan } from './scan-pass.js';

/** The rows an interrupted run already updated, after checking its journal belongs to this very input. */
export function loadResume(o: ResolvedOptions, scan: Scan): Map<number, JournalEntry> {
  const path = journalPath(o.out);
  const previous = readJournal(path);
  if (!previous) {
    throw new OutputError(
      'E_NOTHING_TO_RESUME',
      `nothing to resume: no journal at ${path} (did the earlier run use a different --out?)`,
    );
  }
  if (previous.header.input_sha256 !== scan.sha256) {
    throw new OutputError(
      'E_INPUT_CHANGED',
      `${o.input} changed since the interrupted run (its content no longer matches ${path}); resuming could skip or repeat the wrong rows. Use --force to start over`,
    );
  }
  return previous.updated;
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
export function openJournal(o: ResolvedOptions, scan: Scan, resuming: boolean): Journal {
  return createJournal(
    journalPath(o.out),
    { journal: 1, input: o.input, input_sha256: scan.sha256, started_at: new Date().toISOString() },
    resuming ? 'append' : o.force ? 'overwrite' : 'new',
  );
}
