import { closeSync, fsyncSync, writeSync } from 'node:fs';
import type { CurrentOffer } from '../types.js';
import { cannotWrite, openOutputFile, removeQuietly } from './output-file.js';
import {
  RECORD,
  MAGIC,
  FOUND,
  MISSING,
  FAILED,
  KNOWN,
  STATUS_AT,
  STATUS_BYTES,
  PAYOUT_AT,
  REVENUE_AT,
  EXPIRES_AT,
  EXPIRES_BYTES,
  NAME_LENGTH_AT,
  NAME_OFFSET_AT,
  TEXT_WINDOW,
  putText,
} from './current-layout.js';

/** What List Offers said of one row's offer: its values, that it does not exist, or why it could not be read. */
export type CurrentEntry = CurrentOffer | 'not_found' | { failed: string };

/**
 * The offers' current values, on disk, one fixed-width record a row (at the row's position in the file)
 * with names (and why a read failed) appended after the records. Reads arrive in any order (pages of the catalog, or one offer
 * at a time); the passes read them back in file order, so memory stays flat whatever the file and
 * catalog size. Kept beside the journal so a resumed run uses the values read before its first update.
 */
export interface CurrentStore {
  put(seq: number, entry: CurrentEntry): void;
  /** Marks the read phase complete (a resume then reads nothing again), syncs and closes. */
  finish(): void;
  close(): void;
}

export interface CurrentReader {
  /** The entry of row `seq`; rows must be asked for in increasing order. Undefined: never read. */
  get(seq: number): CurrentEntry | undefined;
  close(): void;
}

export function currentValuesPath(resultsPath: string): string {
  return `${resultsPath}.current`;
}

/** Records written in one call when rows arrive in file order (a sheet sorted by offer id, read by pages). */
const RUN_RECORDS = 512;

/** Creates the store for `rows` rows of run `runId`, replacing any left by an earlier run. */
export function createCurrentStore(path: string, runId: string, rows: number): CurrentStore {
  removeQuietly(path);
  let fd: number;
  try {
    fd = openOutputFile(path, 'create');
  } catch (error) {
    throw cannotWrite(path, error);
  }
  const header = Buffer.alloc(RECORD);
  header.write(`${MAGIC}\n${runId}\n${rows}\n`);
  const write = (buffer: Buffer, position: number) => {
    try {
      for (let done = 0; done < buffer.length;)
        done += writeSync(fd, buffer, done, buffer.length - done, position + done);
    } catch (error) {
      throw cannotWrite(path, error);
    }
  };
  write(header, 0);
  // A write a row cost two system calls a row; consecutive rows' records are written as one run, and text
  // is appended through a buffer. Nothing is read back before finish(), which writes out what is held.
  const run = Buffer.alloc(RECORD * RUN_RECORDS);
  let runFirst = 0;
  let runCount = 0;
  const flushRun = () => {
    if (runCount > 0) write(run.subarray(0, runCount * RECORD), RECORD * (runFirst + 1));
    runCount = 0;
  };
  const text = Buffer.alloc(TEXT_WINDOW);
  let textAt = RECORD * (rows + 1);
  let textHeld = 0;
  const flushText = () => {
    if (textHeld > 0) write(text.subarray(0, textHeld), textAt - textHeld);
    textHeld = 0;
  };
  let open = true;
  return {
    put(seq, entry) {
      if (runCount > 0 && (seq !== runFirst + runCount || runCount === RUN_RECORDS)) flushRun();
      if (runCount === 0) runFirst = seq;
      const record = run.subarray(runCount * RECORD, (runCount + 1) * RECORD).fill(0);
      runCount++;
      // Text of any length (a name, why a read failed) goes after the records; the record points to it.
      const putLong = (value: string) => {
        const bytes = Buffer.from(value, 'utf8');
        if (textHeld + bytes.length > text.length) flushText();
        if (bytes.length > text.length) write(bytes, textAt);
        else {
          bytes.copy(text, textHeld);
          textHeld += bytes.length;
        }
        record.writeUInt32LE(bytes.length, NAME_LENGTH_AT);
        record.writeDoubleLE(textAt, NAME_OFFSET_AT);
        textAt += bytes.length;
      };
      if (entry === 'not_found') record[0] = MISSING;
      else if ('failed' in entry) {
        record[0] = FAILED;
        putLong(entry.failed);
      } else {
        record[0] = FOUND;
        let known = 0;
        if (entry.offer_status !== undefined && putText(record, STATUS_AT, STATUS_BYTES, entry.offer_status))
          known |= KNOWN.offer_status;
        if (entry.payout !== undefined) {
          record.writeDoubleLE(entry.payout, PAYOUT_AT);
          known |= KNOWN.payout;
        }
        if (entry.revenue !== undefined) {
          record.writeDoubleLE(entry.revenue, REVENUE_AT);
          known |= KNOWN.revenue;
        }
        if (
          entry.expiration_date !== undefined &&
          putText(record, EXPIRES_AT - 1, EXPIRES_BYTES, entry.expiration_date)
        ) {
          known |= KNOWN.expiration_date;
        }
        if (entry.offer_name !== undefined) {
          putLong(entry.offer_name);
          known |= KNOWN.offer_name;
        }
        record[1] = known;
      }
    },
    finish() {
      flushRun();
      flushText();
      header.write(`${MAGIC}\n${runId}\n${rows}\ncomplete\n`);
      write(header, 0);
      try {
        fsyncSync(fd);
      } catch (error) {
        throw cannotWrite(path, error);
      }
      this.close();
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
