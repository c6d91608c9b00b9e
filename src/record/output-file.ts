import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputError } from '../errors.js';
import { processIsRunning } from './process-running.js';

const { O_WRONLY, O_RDONLY, O_CREAT, O_EXCL, O_APPEND, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * How an output file is opened. None follows a symbolic link at the file itself: a planted
 * `x.results.csv -> victim` must not make cake-bulk write into the victim.
 * - `create`: a new file; EEXIST is rethrown as it is, for the caller to word (only it knows what the
 *   file already there means);
 * - `append`: add to the file, creating it when missing (the log; a resumed journal).
 */
export type OpenMode = 'create' | 'append';

/**
 * Opens an output file (results, journal, log, lock), creating the folders its path names first.
 * Failures come back worded (`cannotWrite`), except a `create`'s EEXIST.
 */
export function openOutputFile(path: string, mode: OpenMode): number {
  makeFolders(path);
  try {
    // NONBLOCK: a FIFO planted at the path fails at once (ENXIO) instead of blocking the whole process,
    // signal handlers included, until something reads it. Files and devices such as /dev/null ignore it.
    return openSync(
      path,
      O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | (mode === 'create' ? O_EXCL : O_APPEND),
      0o644,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && mode === 'create') throw error;
    throw cannotWrite(path, (error as NodeJS.ErrnoException).code === 'ENXIO' ? { code: 'ENOTREG' } : error);
  }
}

/**
 * Reads a file cake-bulk wrote itself (a lock, a journal), or undefined when there is none. Anything but a
 * regular file there is refused: a FIFO would block the process, a link could point anywhere.
 */
export function readOwnFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cannotWrite(path, error);
  }
  try {
    if (!fstatSync(fd).isFile()) throw cannotWrite(path, { code: 'ENOTREG' });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** A file written beside its target and renamed over it when complete: readers never see half of it. */
export interface Replacement {
  fd: number;
  /** Syncs, closes and renames the new file over the target. */
  commit(): void;
  /** Closes and removes the new file; the target stays as it was. */
  abandon(): void;
}

/**
 * Starts replacing `path` (--force, --resume, a dry run's own results). The target may be missing or a
 * regular file; anything else there (a symbolic link, a directory, a device such as /dev/full) is refused
 * rather than replaced: renaming over a device node would destroy it.
 */
export function replaceOutputFile(path: string): Replacement {
  refuseLinkOrFolder(path);
  makeFolders(path);
  removeStaleTemps(path);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  } catch (error) {
    throw cannotWrite(path, error);
  }
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  return {
    fd,
    commit() {
      try {
        fsyncSync(fd);
        close();
        refuseLinkOrFolder(path);
        renameSync(temp, path);
      } catch (error) {
        close();
        removeQuietly(temp);
        throw cannotWrite(path, error);
      }
    },
    abandon() {
      close();
      removeQuietly(temp);
    },
  };
}

/** Deletes a file of ours if it is there (a stale journal, snapshot or lock); a link is removed, not followed. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotWrite(path, error);
  }
}

/**
 * Removes the half-written replacements of `path` that a killed run left behind (SIGKILL runs no cleanup),
 * so a folder does not fill with hidden copies of a results file. Only files named as ours, by a process
 * that is gone: a live run's replacement is its own. The caller holds the run's lock on this output set, so
 * no run on another host can be writing one of them.
 */
function removeStaleTemps(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined || processIsRunning(Number(pid))) continue;
    try {
      if (lstatSync(join(dirname(path), name)).isFile()) unlinkSync(join(dirname(path), name));
    } catch {
      // Gone already, or not ours to remove: the run does not depend on it.
    }
  }
}

function refuseLinkOrFolder(path: string): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return;
  }
  if (stats.isSymbolicLink()) throw cannotWrite(path, { code: 'ELOOP' });
  if (stats.isDirectory()) throw cannotWrite(path, { code: 'EISDIR' });
  if (!stats.isFile()) throw cannotWrite(path, { code: 'ENOTREG' });
}

function makeFolders(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw cannotWrite(path, error);
  }
}

/**
 * The refusal for an output file that cannot be created or opened, in words rather than an errno. An
 * EEXIST here comes from creating its folder (a part of the path is a file): `openOutputFile` hands the
 * file's own EEXIST to its caller.
 */
export function cannotWrite(path: string, error: unknown): OutputError {
  if (error instanceof OutputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'ENOTREG'
          ? 'it is not a regular file (a device, pipe or socket), and cake-bulk replaces only files'
          : code === 'ELOOP'
            ? 'it is a symbolic link, and cake-bulk does not write through links; remove it or pick another path'
            : code === 'ENOTDIR' || code === 'EEXIST'
              ? `part of ${dirname(path)} is a file, not a directory`
              : code === 'EROFS'
                ? 'the file system is read-only'
                : code === 'ENOSPC'
                  ? 'no space left on the device'
                  : (error as Error).message;
  return new OutputError('E_OUTPUT', `cannot write ${path}: ${why}`);
}
