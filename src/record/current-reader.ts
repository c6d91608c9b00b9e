import { closeSync, constants, openSync, readSync } from 'node:fs';
import { OutputError } from '../errors.js';
import type { CurrentOffer } from '../types.js';
import type { CurrentReader } from './current-values.js';
import {
  RECORD,
  MAGIC,
  FOUND,
  MISSING,
  FAILED,
  KNOWN,
  STATUS_AT,
  PAYOUT_AT,
  REVENUE_AT,
  EXPIRES_AT,
  NAME_LENGTH_AT,
  NAME_OFFSET_AT,
  TEXT_WINDOW,
  getText,
} from './current-layout.js';

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
  const text = createTextWindow(fd, path);
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
          return { failed: text.at(record) };
        case FOUND:
          return decode(record, text);
        default:
          return undefined;
      }
    },
    close: () => closeSync(fd),
  };
}

function decode(record: Buffer, text: TextWindow): CurrentOffer {
  const known = record[1]!;
  const offer: CurrentOffer = {};
  if (known & KNOWN.offer_status) offer.offer_status = getText(record, STATUS_AT);
  if (known & KNOWN.payout) offer.payout = record.readDoubleLE(PAYOUT_AT);
  if (known & KNOWN.revenue) offer.revenue = record.readDoubleLE(REVENUE_AT);
  if (known & KNOWN.expiration_date) offer.expiration_date = getText(record, EXPIRES_AT - 1);
  if (known & KNOWN.offer_name) offer.offer_name = text.at(record);
  return offer;
}

interface TextWindow {
  /** The text a record points to after the records. */
  at(record: Buffer): string;
}

/**
 * Reads the text after the records through a window: names were appended in the order the offers were
 * read, so rows in offer id order find the next one already read, and a system call a row becomes one a
 * window. Rows in any other order read as before, one call each.
 */
function createTextWindow(fd: number, path: string): TextWindow {
  const window = Buffer.alloc(TEXT_WINDOW);
  let start = 0;
  let filled = 0;
  const cutShort = () => new OutputError('E_OUTPUT', `${path} is cut short; start the run over with --force`);
  return {
    at(record) {
      const length = record.readUInt32LE(NAME_LENGTH_AT);
      const offset = record.readDoubleLE(NAME_OFFSET_AT);
      if (length > window.length) {
        const long = Buffer.alloc(length);
        if (readSync(fd, long, 0, length, offset) !== length) throw cutShort();
        return long.toString('utf8');
      }
      if (offset < start || offset + length > start + filled) {
        start = offset;
        filled = readSync(fd, window, 0, window.length, offset);
        if (filled < length) throw cutShort();
      }
      return window.toString('utf8', offset - start, offset - start + length);
    },
  };
}
