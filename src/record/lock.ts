import { closeSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { OutputError } from '../errors.js';
import { cannotWrite, openOutputFile, readOwnFile, removeQuietly } from './output-file.js';
import { processIsRunning } from './process-running.js';

/** What a lock file says about the run holding it. */
export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

/** A held lock; `release` deletes the lock file (once). */
export interface Lock {
  readonly path: string;
  /** Set when a lock left by a run that is no longer alive was taken over: the one line to tell the user. */
  readonly tookOver: string | undefined;
  release(): void;
}

export function lockPath(resultsPath: string): string {
  return `${resultsPath}.lock`;
}

/**
 * Takes the lock on a run's output set (its results file and everything beside it: journal, snapshot,
 * undo file). Two runs writing the same results file would send rows twice and tear each other's
 * journal, so a second one is refused, naming the first. A lock whose run has died (same host, no such
 * process) is taken over, and `tookOver` says so.
 */
export function acquireLock(resultsPath: string, command: string): Lock {
  const path = lockPath(resultsPath);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    started_at: new Date().toISOString(),
    command,
  };
  let tookOver: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openOutputFile(path, 'create');
      try {
        writeSync(fd, `${JSON.stringify(info)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(path, error);
      const holder = readLock(path);
      // A lock that names no run may be one being written this instant; only an old one is left over.
      const live = holder ? isAlive(holder) : ageMs(path) < 5000;
      if (attempt > 0 || live) throw locked(resultsPath, path, holder);
      tookOver = holder
        ? `took over ${path}: the run that held it (pid ${holder.pid}, started ${holder.started_at}) is no longer running`
        : `took over ${path}: it did not name a run (left by a run killed while starting)`;
      removeQuietly(path);
    }
  }
  let released = false;
  return {
    path,
    tookOver,
    release() {
      if (released) return;
      released = true;
      removeQuietly(path);
    },
  };
}

function readLock(path: string): LockInfo | undefined {
  const text = readOwnFile(path);
  try {
    const info = JSON.parse(text ?? '') as Partial<LockInfo>;
    if (typeof info.pid !== 'number' || typeof info.host !== 'string') return undefined;
    return info as LockInfo;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/** On another host a process cannot be checked: it is taken to be alive. */
function isAlive(holder: LockInfo): boolean {
  return holder.host !== hostname() || processIsRunning(holder.pid);
}

function locked(resultsPath: string, path: string, holder: LockInfo | undefined): OutputError {
  const who = holder
    ? `another cake-bulk run (pid ${holder.pid} on ${holder.host}, started ${holder.started_at}: ${holder.command})`
    : 'another cake-bulk run';
  return new OutputError(
    'E_LOCKED',
    `${who} is writing ${resultsPath}; wait for it to finish or stop it (if no run is going, delete ${path})`,
  );
}
