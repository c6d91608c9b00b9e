import { currentValuesPath } from '../record/current-values.js';
import { journalPath } from '../record/journal.js';
import { lockPath } from '../record/lock.js';
import { snapshotPath } from '../record/snapshot.js';
import { undoPath } from '../record/undo-file.js';
import type { ColumnMap } from '../validate/columns.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { OutputPath } from './output-guard.js';

/** Every file a run writes, as the user names it, for the same-file check. */
export function outputPaths(o: ResolvedOptions, plan?: string): OutputPath[] {
  const paths: OutputPath[] = plan ? [{ name: '--out', path: plan }] : [{ name: '--out', path: o.out }];
  if (o.log !== false && !plan) paths.push({ name: '--log', path: o.log });
  paths.push({ name: 'the lock file', path: lockPath(plan ?? o.out) });
  if (!o.dryRun && !plan) {
    paths.push({ name: 'the journal', path: journalPath(o.out) });
    paths.push({ name: 'the input snapshot', path: snapshotPath(o.out) });
    if (o.readCurrent) {
      paths.push({ name: 'the current-values file', path: currentValuesPath(o.out) });
      paths.push({ name: 'the undo file', path: undoPath(o.out) });
    }
  }
  if (plan) {
    paths.push({ name: 'the input snapshot', path: snapshotPath(plan) });
    paths.push({ name: 'the current-values file', path: currentValuesPath(plan) });
  }
  return paths;
}

/** Options as logged: everything that shapes the run, never the key. */
export function loggableOptions(o: ResolvedOptions): Record<string, unknown> {
  const { apiKey: _apiKey, endpoint, ...rest } = o;
  return { ...rest, endpoint: endpoint?.updateOfferUrl };
}

/** What the person should know about how the header was read: aliases, --map, columns left as notes. */
export function headerNotes(columns: ColumnMap): string[] {
  const notes: string[] = [];
  const unknown = columns.unknown;
  if (unknown.length > 0) {
    // Name a few: a 10,000-column header must not make a 100 KB warning line.
    const named = unknown.slice(0, 5).join(', ');
    const more = unknown.length > 5 ? `, and ${unknown.length - 5} more (${unknown.length} in all)` : '';
    notes.push(`columns not used by cake-bulk, carried into the results as they are: ${named}${more}`);
  }
  const read = columns.read.filter((r) => r.via !== 'name');
  if (read.length > 0) {
    const list = read.map(
      (r) =>
        `"${r.header}" as ${r.field}${r.currency ? ` (in ${r.currency}; the number is sent as written)` : ''}`,
    );
    notes.push(`read the header ${list.join(', ')}`);
  }
  for (const { header, field } of columns.shadowed) {
    notes.push(
      `"${header}" was not read as ${field}: the header has the ${field} column itself; "${header}" is carried as a note`,
    );
  }
  return notes;
}
