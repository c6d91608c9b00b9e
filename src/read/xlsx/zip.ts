import { pipeline, type Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { MAX_ENTRIES, MAX_RATIO, RATIO_MIN_BYTES } from './limits.js';
import { oneLine } from './refusals.js';

const INFLATE_CHUNK_BYTES = 256 * 1024;

/** Something about the zip or one of its entries is wrong, in words for the user (the caller names the file). */
export class ZipError extends Error {
  override name = 'ZipError';
}

/** An opened zip: its directory, and a reader for one entry at a time. */
export interface Zip {
  /** File entries by name, lower-cased: part names inside a workbook are case-insensitive. */
  entries: Map<string, Entry>;
  /**
   * Streams one entry's uncompressed bytes, refusing it (ZipError) if its size is over `limit`, if its
   * ratio is a bomb's, if zlib fails, if it inflates to more or fewer bytes than the directory says, or
   * if the bytes fail the CRC-32 the zip stores for them. The CRC is only known once the last byte is
   * read, so that refusal comes at the end.
   */
  read(entry: Entry, limit: number): AsyncGenerator<Buffer>;
  /** Releases the file; an entry stream still open closes it when it ends. */
  close(): void;
}

/**
 * Opens a zip through its central directory (the index at its end), so entries can be read in any order
 * rather than the order a program happened to store them in.
 */
export async function openZip(path: string): Promise<Zip> {
  let file: ZipFile;
  try {
    file = await yauzl.openPromise(path, {
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw new ZipError(directoryProblem(error));
  }
  try {
    if (file.entryCount > MAX_ENTRIES) {
      throw new ZipError(`the zip lists ${file.entryCount} entries; a workbook has a few dozen`);
    }
    const entries = new Map<string, Entry>();
    for await (const entry of file.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const name = entry.fileName.toLowerCase();
      // Two entries of one name: readers disagree on which one counts, so neither is trusted.
      if (entries.has(name)) throw new ZipError(`the zip holds ${entry.fileName} twice`);
      entries.set(name, entry);
    }
    return { entries, read: (entry, limit) => readEntry(file, entry, limit), close: () => file.close() };
  } catch (error) {
    file.close();
    throw error instanceof ZipError ? error : new ZipError(directoryProblem(error));
  }
}

async function* readEntry(file: ZipFile, entry: Entry, limit: number): AsyncGenerator<Buffer> {
  const name = entry.fileName;
  if (entry.uncompressedSize > limit) {
    throw new ZipError(
      `${name} is ${mib(entry.uncompressedSize)} uncompressed, over the ${mib(limit)} cake-bulk reads`,
    );
  }
  if (entry.uncompressedSize > RATIO_MIN_BYTES && entry.uncompressedSize > entry.compressedSize * MAX_RATIO) {
    throw new ZipError(`${name} expands over ${MAX_RATIO} times: a zip bomb, not a spreadsheet`);
  }
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new ZipError(
      `${name} uses a compression method cake-bulk cannot read (${entry.compressionMethod})`,
    );
  }
  let stream: Readable;
  try {
    // yauzl inflates in 16 KiB pieces, each a round trip to zlib's thread; a sheet of a million rows is
    // hundreds of megabytes, and larger pieces take a good share off reading it. yauzl's own size check
    // (validateEntrySizes) comes with its inflating, so the same check is made below.
    const raw = await file.openReadStreamPromise(entry, { decodeFileData: false });
    stream =
      entry.compressionMethod === 8
        ? pipeline(raw, createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), () => undefined)
        : raw;
  } catch (error) {
    throw new ZipError(`${name} is damaged (${oneLine(error)})`);
  }
  let crc = 0;
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > entry.uncompressedSize) {
        throw new ZipError(
          `${name} holds more than the ${entry.uncompressedSize} bytes the zip says: damaged`,
        );
      }
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } catch (error) {
    throw error instanceof ZipError ? error : new ZipError(`${name} is damaged (${oneLine(error)})`);
  } finally {
    stream.destroy();
  }
  if (size !== entry.uncompressedSize) {
    throw new ZipError(
      `${name} holds ${size} bytes, not the ${entry.uncompressedSize} the zip says: damaged`,
    );
  }
  if (crc !== entry.crc32) throw new ZipError(`${name} fails its checksum: the file is damaged`);
}

function directoryProblem(error: unknown): string {
  const why = oneLine(error);
  // yauzl's words for a file whose end (where the directory lives) is missing.
  if (/end of central directory record signature not found/i.test(why)) {
    return 'the zip directory is missing: the file is cut short or damaged';
  }
  return `the zip directory is damaged: ${why}`;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2).toLocaleString('en-US')} MiB`;
}
