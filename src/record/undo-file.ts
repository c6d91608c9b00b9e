import { existsSync } from 'node:fs';
import { OutputError } from '../errors.js';
import type { BeforeValues, UpdateField } from '../types.js';
import { UPDATE_FIELDS } from '../types.js';
import { csvLine } from './csv-line.js';
import { protectCell } from './csv-safe.js';
import { createLineFile } from './line-file.js';
import { replaceOutputFile } from './output-file.js';

/** The undo file beside the results: `payouts.results.csv` -> `payouts.undo.csv`. */
export function undoPath(resultsPath: string): string {
  return resultsPath.endsWith('.results.csv')
    ? `${resultsPath.slice(0, -'.results.csv'.length)}.undo.csv`
    : `${resultsPath}.undo.csv`;
}

/** Statuses update_offer takes: a before-status List Offers names otherwise (`paused`) cannot be set back. */
const SETTABLE_STATUSES = new Set(['active', 'inactive', 'pending']);

/**
 * The value a field can be put back to: its value before, or undefined when that is unknown or is a status
 * update_offer cannot set.
 */
export function restorableValue(field: UpdateField, before: BeforeValues): string | undefined {
  const value = before.fields[field];
  if (value === undefined || value === 'unknown') return undefined;
  if (field !== 'offer_status') return value;
  return SETTABLE_STATUSES.has(value.toLowerCase()) ? value.toLowerCase() : undefined;
}

export interface UndoFile {
  path: string;
  /** Adds the row of an offer about to change; false when none of its fields can be restored. */
  add(offerId: number, before: BeforeValues, fields: readonly UpdateField[]): boolean;
  /** Fields left empty because their value before is unknown, or not one update_offer can set. */
  readonly unrestorable: number;
  /** Syncs the file and puts it in place: done before the first update is sent. */
  commit(): void;
  abandon(): void;
}

/**
 * The restore file: a cake-bulk input with `offer_id` and, for each field a row changes, the value it had
 * before, so `cake-bulk apply payouts.undo.csv` puts them back (and its own undo file undoes the undo).
 * Written beside its target and renamed into place once complete and synced.
 */
export function createUndoFile(path: string, fields: readonly UpdateField[], overwrite: boolean): UndoFile {
  if (!overwrite && existsSync(path)) {
    throw new OutputError(
      'E_OUTPUT_EXISTS',
      `${path} already exists (the undo file of an earlier run); move it away, pass --out to write elsewhere, or --force to replace it`,
    );
  }
  const columns = UPDATE_FIELDS.filter((field) => fields.includes(field));
  const file = replaceOutputFile(path);
  // Written beside its target as the plan pass goes, through the same buffered writer as the results.
  const lines = createLineFile(file.fd, { path, maxDelayMs: 1000 });
  let unrestorable = 0;
  // A write that fails (a full disk) throws: the run abandons the file.
  lines.write(csvLine(['offer_id', ...columns], '\n'));
  return {
    path,
    add(offerId, before, changed) {
      let restorable = 0;
      const cells = columns.map((field) => {
        if (!changed.includes(field)) return '';
        const value = restorableValue(field, before);
        if (value === undefined) {
          unrestorable++;
          return '';
        }
        restorable++;
        return protectCell(value);
      });
      if (restorable === 0) return false;
      lines.write(csvLine([String(offerId), ...cells], '\n'));
      return true;
    },
    get unrestorable() {
      return unrestorable;
    },
    commit() {
      try {
        lines.release();
      } catch (error) {
        file.abandon();
        throw error;
      }
      file.commit();
    },
    abandon() {
      try {
        lines.release();
      } catch {
        // The file is removed anyway; its write failure was already reported, or is moot.
      } finally {
        file.abandon();
      }
    },
  };
}
