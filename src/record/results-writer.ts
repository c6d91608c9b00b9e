import { fsyncSync, statSync } from 'node:fs';
import { OutputError } from '../errors.js';
import type { RowOutcome, SourceRow } from '../types.js';
import { csvLine } from './csv-line.js';
import { createLineFile, type LineFile } from './line-file.js';
import {
  cannotWrite,
  openOutputFile,
  removeQuietly,
  replaceOutputFile,
  type Replacement,
} from './output-file.js';
import { resultHead, resultHeader, resultTail } from './results-format.js';

/**
 * Writes the results CSV in input order while rows finish in any order. Lines are written whole, in
 * batches, so a killed process leaves a file whose every line is complete.
 */
export interface ResultsWriter {
  /** Records a finished row; may arrive out of order. */
  add(source: SourceRow, outcome: RowOutcome): void;
  /**
   * Undefined when row `seq` may start now; otherwise a promise that resolves once it may start without
   * the reorder buffer growing past its window. (Not a resolved promise: this runs for every row.)
   */
  waitForRoom(seq: number): Promise<void> | undefined;
  /** Rows written so far (a prefix of the input). */
  readonly written: number;
  close(): void;
  /** Drops the file: the run was refused before any row (a new file is removed, a replaced one kept). */
  abandon(): void;
}

export interface ResultsWriterOptions {
  path: string;
  inputColumns: readonly string[];
  /** UTF-8 BOM and CRLF line ends, for people who double-click the file into Excel. */
  excel: boolean;
  /**
   * Replace an existing file (resume, --force, a dry run's own results): the new file is written beside
   * it and renamed over it when closed. Otherwise an existing file is refused.
   */
  overwrite: boolean;
  /** How far ahead of the oldest unfinished row the reader may get. */
  window: number;
  /** The run could continue an earlier one (not a dry run): an existing file's refusal mentions --resume. */
  resumable?: boolean;
}

const FLUSH_MS = 200;
export function createResultsWriter(options: ResultsWriterOptions): ResultsWriter {
  const replacement = options.overwrite ? replaceOutputFile(options.path) : undefined;
  const fd = replacement?.fd ?? openNew(options.path, options.resumable ?? true);
  const eol = options.excel ? '\r\n' : '\n';
  const pending = new Map<number, string>();
  let nextSeq = 0;
  let waiter: { seq: number; resolve: () => void } | undefined;
  let lastOutcome: RowOutcome | undefined;
  let lastTail = '';
  let closed = false;

  const file = createLineFile(fd, { path: options.path, maxDelayMs: FLUSH_MS });
  file.write(`${options.excel ? '\ufeff' : ''}${csvLine(resultHeader(options.inputColumns), eol)}`);
  file.flush();

  return {
    add(source, outcome) {
      if (closed) return;
      // Once a run stops, every later row ends the same way: its tail is encoded once, not once a row.
      if (outcome !== lastOutcome) {
        lastOutcome = outcome;
        lastTail = csvLine(resultTail(outcome), eol);
      }
      const line = `${csvLine(resultHead(source), '')},${lastTail}`;
      // In order (always in a dry run, mostly when sending): straight out, no trip through the Map.
      if (source.seq === nextSeq) {
        file.write(line);
        nextSeq++;
      } else pending.set(source.seq, line);
      for (let record = pending.get(nextSeq); record !== undefined; record = pending.get(nextSeq)) {
        pending.delete(nextSeq);
        file.write(record);
        nextSeq++;
      }
      if (waiter && waiter.seq - nextSeq < options.window) {
        const { resolve } = waiter;
        waiter = undefined;
        resolve();
      }
    },
    waitForRoom(seq) {
      if (seq - nextSeq < options.window) return undefined;
      return new Promise<void>((resolve) => (waiter = { seq, resolve }));
    },
    get written() {
      return nextSeq;
    },
    abandon() {
      if (closed) return;
      closed = true;
      if (replacement) {
        file.release();
        replacement.abandon();
      } else {
        file.close();
        removeQuietly(options.path);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (replacement) return closeReplacement(file, replacement);
      try {
        file.flush();
        fsyncSync(fd);
      } catch (error) {
        throw cannotWrite(options.path, error);
      } finally {
        file.close();
      }
    },
  };
}

function closeReplacement(file: LineFile, replacement: Replacement): void {
  try {
    file.release();
  } catch (error) {
    replacement.abandon();
    throw error;
  }
  replacement.commit();
}

function openNew(path: string, resumable: boolean): number {
  try {
    return openOutputFile(path, 'create');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // 'wx' on a directory says EEXIST, not EISDIR.
    if (statSync(path).isDirectory()) throw cannotWrite(path, { code: 'EISDIR' });
    throw new OutputError(
      'E_OUTPUT_EXISTS',
      resumable
        ? `${path} already exists; pass --out to write elsewhere, --resume to continue that run, or --force to replace it`
        : `${path} already exists; pass --out to write elsewhere, or --force to replace it`,
    );
  }
}
