import { CakeBulkError } from '../errors.js';
import { createCurrentStore, type CurrentEntry, type CurrentReader } from '../record/current-values.js';
import { openCurrentReader } from '../record/current-reader.js';
import type { Machinery } from './machinery.js';
import type { ResolvedOptions } from './resolve-options.js';
import { readCurrentValues, type ReadReport } from './read-current.js';
import { ScanStopped, scanPass, type Scan } from './scan-pass.js';

/** The scan pass, with Ctrl-C during it turned into the run's one-line refusal (exit 130, nothing written). */
export async function scanInput(
  o: ResolvedOptions,
  readFrom: string,
  stop: AbortSignal | undefined,
): Promise<Scan> {
  try {
    return await scanPass({ ...o, readFrom }, !o.dryRun || o.readCurrent, stop);
  } catch (error) {
    if (!(error instanceof ScanStopped)) throw error;
    throw new CakeBulkError(
      'E_STOPPED_INTERRUPTED',
      'interrupted while checking the file: nothing was sent and no results file was written',
      130,
    );
  }
}

/** The stored current values of a run: opened afresh for each pass, which reads them in file order. */
export interface CurrentValues {
  report: ReadReport | undefined;
  /** A reader from the first row; undefined when the values are not (all) there. */
  open(): CurrentReader | undefined;
}

/**
 * The current values a run decides its rows on: those a resumed run stored before its first update, or
 * read now (GET only) into a new store. Nothing here sends an update.
 */
export async function currentValues(
  m: Machinery,
  o: ResolvedOptions,
  scan: Scan,
  path: string,
  runId: string,
  resuming: boolean,
): Promise<CurrentValues> {
  const open = () => openCurrentReader(path, runId, scan.total);
  if (resuming) {
    // Values read before the interrupted run's first update: reading again would take an update that
    // already landed for the value before it.
    const kept = open();
    if (kept) {
      kept.close();
      return { report: undefined, open };
    }
  }
  const store = createCurrentStore(path, runId, scan.total);
  try {
    const report = await readCurrentValues(m, {
      apiKey: o.apiKey,
      rows: scan.total,
      pageSize: o.readPageSize,
      store,
      wanted: scan.wanted,
    });
    return { report, open };
  } finally {
    store.close();
  }
}

/** A row lookup for the deciders, from a reader opened for one pass. */
export function lookup(reader: CurrentReader | undefined): (seq: number) => CurrentEntry | undefined {
  return (seq) => reader?.get(seq);
}
