import { constants, copyFileSync } from 'node:fs';
import { cannotWrite, removeQuietly } from './output-file.js';

/** A private copy of the input, read by both passes of a run. */
export interface Snapshot {
  path: string;
  remove(): void;
}

export function snapshotPath(resultsPath: string): string {
  return `${resultsPath}.snapshot`;
}

/**
 * Copies the input beside the results before the run reads it. Both passes read the copy, so the rows
 * sent are exactly the rows validated, even when the spreadsheet is re-exported or synced mid-run.
 * The caller holds the run's lock, so a snapshot already there is a crashed run's and is replaced.
 */
export function takeSnapshot(input: string, resultsPath: string): Snapshot {
  const path = snapshotPath(resultsPath);
  removeQuietly(path);
  try {
    // EXCL: a link planted at the path between the removal and the copy is refused, not followed. The
    // input was checked to be a readable regular file, so a failure here is the snapshot's side.
    copyFileSync(input, path, constants.COPYFILE_EXCL);
  } catch (error) {
    removeQuietly(path);
    throw cannotWrite(path, error);
  }
  return { path, remove: () => removeQuietly(path) };
}
