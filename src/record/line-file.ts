import { closeSync, writeSync } from 'node:fs';
import { cannotWrite } from './output-file.js';

/**
 * Whole lines gathered in a buffer and written to a file synchronously when it fills (or a little later):
 * a killed process leaves only complete lines behind (short of a torn last write), and a fast run makes a
 * few hundred writes a second instead of one per line. Shared by the results file, the journal and the log.
 * A write that fails (a full disk) throws `cannotWrite`; one that failed on the timer, with no caller to
 * throw to, is thrown by the next call instead.
 *
 * Each line is encoded into the buffer as it arrives rather than kept as a string until the write: the
 * log's and the results' lines are built by concatenation, and holding hundreds of them made the garbage
 * collector copy every piece of every line, then `join` flatten them all again.
 */
export interface LineFile {
  /** Queues `text` (one or more lines, each ending in its line break). */
  write(text: string): void;
  /** Writes what is queued. */
  flush(): void;
  /** Flushes, then closes the descriptor; later writes are dropped. */
  close(): void;
  /** Flushes and stops, leaving the descriptor open for whoever handed it over (a replacement commits it). */
  release(): void;
}

export interface LineFileOptions {
  /** The file's path, for error messages. */
  path: string;
  /** Written at the latest this long after the first queued line, so a slow run's file stays current. */
  maxDelayMs: number;
  /** Runs after each write that reached the file (the journal syncs from here). */
  afterWrite?: () => void;
  /** @default 65536 */
  bufferBytes?: number;
}

/** UTF-8 needs at most 3 bytes for each UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

export function createLineFile(fd: number, options: LineFileOptions): LineFile {
  const buffer = Buffer.allocUnsafe(options.bufferBytes ?? 65_536);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let failed: unknown;

  function writeOut(bytes: Buffer | string): void {
    try {
      if (typeof bytes === 'string') writeSync(fd, bytes);
      else for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
      options.afterWrite?.();
    } catch (error) {
      failed = cannotWrite(options.path, error);
      throw failed;
    }
  }

  function flushOnTimer(): void {
    try {
      flush();
    } catch {
      // Kept in `failed`; the next write, flush or close throws it.
    }
  }

  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (failed) throw failed;
    if (used === 0 || closed) return;
    const full = buffer.subarray(0, used);
    used = 0;
    writeOut(full);
  }

  return {
    write(text) {
      if (closed) return;
      if (failed) throw failed;
      const worst = text.length * MAX_BYTES_PER_UNIT;
      if (used + worst > buffer.length) {
        flush();
        if (worst > buffer.length) return writeOut(text);
      }
      used += buffer.write(text, used);
      // unref: a pending write must not keep a finished process alive; close() flushes anyway.
      if (!timer) timer = setTimeout(flushOnTimer, options.maxDelayMs).unref();
    },
    flush,
    close() {
      if (closed) return;
      try {
        flush();
      } finally {
        closed = true;
        closeSync(fd);
      }
    },
    release() {
      if (closed) return;
      try {
        flush();
      } finally {
        closed = true;
      }
    },
  };
}
