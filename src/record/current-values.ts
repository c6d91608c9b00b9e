import { closeSync, fsyncSync, openSync, readSync, writeSync, constants } from 'node:fs';
import { OutputError } from '../errors.js';
import type { CurrentOffer } from '../types.js';
import { cannotWrite, openOutputFile, removeQuietly } from './output-file.js';

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

/** Bytes a row; the first holds its state: 0 not read, then FOUND, MISSING or FAILED. */
const RECORD = 96;
const MAGIC = 'cake-bulk current values 1';
const FOUND = 1;
const MISSING = 2;
const FAILED = 3;
const KNOWN = { offer_name: 1, offer_status: 2, payout: 4, revenue: 8, expiration_date: 16 } as const;
const STATUS_AT = 2;
const STATUS_BYTES = 30;
const PAYOUT_AT = 33;
const REVENUE_AT = 41;
const EXPIRES_AT = 50;
const EXPIRES_BYTES = 32;
const NAME_LENGTH_AT = 82;
const NAME_OFFSET_AT = 86;

/** Creates the store for `rows` rows of run `runId`, replacing any left by an earlier run. */
export function createCurrentStore(path: string, runId: string, rows: number): CurrentStore {
  removeQuietly(path);
  let fd: number;
  try {
    fd = openOutputFile(path, 'create');
  } catch (error) {
    throw cannotWrite(path, error);
  }
  let nameAt = RECORD * (rows + 1);
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
  let open = true;
  return {
    put(seq, entry) {
      const record = Buffer.alloc(RECORD);
      // Text of any length (a name, why a read failed) goes after the records; the record points to it.
      const putLong = (text: string) => {
        const bytes = Buffer.from(text, 'utf8');
        write(bytes, nameAt);
        record.writeUInt32LE(bytes.length, NAME_LENGTH_AT);
        record.writeDoubleLE(nameAt, NAME_OFFSET_AT);
        nameAt += bytes.length;
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
      write(record, RECORD * (seq + 1));
    },
    finish() {
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

/** Opens a store for reading in file order; undefined when there is none or it is not this run's and complete. */
export function openCurrentReader(path: string, runId: string, rows: number): CurrentReader | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  const header = Buffer.alloc(RECORD);
  readSync(fd, header, 0, RECORD, 0);
  const [magic, id, count, state] = header.toString('utf8').split('\n');
  if (magic !== MAGIC || id !== runId || Number(count) !== rows || state !== 'complete') {
    closeSync(fd);
    return undefined;
  }
  const CHUNK = 512;
  const chunk = Buffer.alloc(RECORD * CHUNK);
  let first = -CHUNK;
  let filled = 0;
  return {
    get(seq) {
      if (seq < first || seq >= first + filled / RECORD) {
        first = seq;
        filled = readSync(fd, chunk, 0, chunk.length, RECORD * (seq + 1));
      }
      const at = (seq - first) * RECORD;
      if (at + RECORD > filled) return undefined;
      const record = chunk.subarray(at, at + RECORD);
      switch (record[0]) {
        case MISSING:
          return 'not_found';
        case FAILED:
          return { failed: getLong(record, fd, path) };
        case FOUND:
          return decode(record, fd, path);
        default:
          return undefined;
      }
    },
    close: () => closeSync(fd),
  };
}

function decode(record: Buffer, fd: number, path: string): CurrentOffer {
  const known = record[1]!;
  const offer: CurrentOffer = {};
  if (known & KNOWN.offer_status) offer.offer_status = getText(record, STATUS_AT);
  if (known & KNOWN.payout) offer.payout = record.readDoubleLE(PAYOUT_AT);
  if (known & KNOWN.revenue) offer.revenue = record.readDoubleLE(REVENUE_AT);
  if (known & KNOWN.expiration_date) offer.expiration_date = getText(record, EXPIRES_AT - 1);
  if (known & KNOWN.offer_name) offer.offer_name = getLong(record, fd, path);
  return offer;
}

/** The text a record points to after the records. */
function getLong(record: Buffer, fd: number, path: string): string {
  const text = Buffer.alloc(record.readUInt32LE(NAME_LENGTH_AT));
  const read = readSync(fd, text, 0, text.length, record.readDoubleLE(NAME_OFFSET_AT));
  if (read !== text.length)
    throw new OutputError('E_OUTPUT', `${path} is cut short; start the run over with --force`);
  return text.toString('utf8');
}

/** A length byte then the text; false (nothing written) when it does not fit, so it reads as unknown. */
function putText(record: Buffer, at: number, room: number, text: string): boolean {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > room) return false;
  record[at] = bytes.length;
  bytes.copy(record, at + 1);
  return true;
}

function getText(record: Buffer, at: number): string {
  return record.toString('utf8', at + 1, at + 1 + record[at]!);
}
