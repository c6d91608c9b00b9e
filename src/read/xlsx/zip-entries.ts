import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/** One file inside a zip, located through the central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

/** Something about the zip itself is wrong; the caller words it for the user. */
export class ZipError extends Error {
  override name = 'ZipError';
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
// Real workbooks have a few dozen entries; a directory this large is damage or a zip bomb.
const MAX_DIRECTORY_BYTES = 16 * 1024 * 1024;

/**
 * Lists a zip's entries from its central directory (the authoritative index at the end of the file),
 * so entries can be read in any order instead of the order they happen to be stored in.
 */
export async function readZipDirectory(path: string): Promise<Map<string, ZipEntry>> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const tailSize = Math.min(size, EOCD_SIZE + 0xffff);
    const tail = await read(file, size - tailSize, tailSize);
    let end = -1;
    for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        end = i;
        break;
      }
    }
    if (end === -1) throw new ZipError('the zip directory is missing: the file is cut short or damaged');
    const count = tail.readUInt16LE(end + 10);
    const directorySize = tail.readUInt32LE(end + 12);
    const directoryOffset = tail.readUInt32LE(end + 16);
    if (count === 0xffff || directoryOffset === 0xffffffff)
      throw new ZipError('the workbook is too large (zip64)');
    if (directorySize > MAX_DIRECTORY_BYTES || directoryOffset + directorySize > size) {
      throw new ZipError('the zip directory is damaged');
    }
    const directory = await read(file, directoryOffset, directorySize);
    const entries = new Map<string, ZipEntry>();
    let at = 0;
    for (let n = 0; n < count; n++) {
      if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL) {
        throw new ZipError('the zip directory is damaged');
      }
      const nameLength = directory.readUInt16LE(at + 28);
      const entry: ZipEntry = {
        name: directory.toString('utf8', at + 46, at + 46 + nameLength),
        flags: directory.readUInt16LE(at + 8),
        method: directory.readUInt16LE(at + 10),
        crc: directory.readUInt32LE(at + 16),
        compressedSize: directory.readUInt32LE(at + 20),
        size: directory.readUInt32LE(at + 24),
        headerOffset: directory.readUInt32LE(at + 42),
      };
      // A name with control characters, or data past the end, means the directory itself is garbage.
      if (hasControl(entry.name) || entry.headerOffset + 30 + entry.compressedSize > size) {
        throw new ZipError('the zip directory is damaged');
      }
      entries.set(entry.name, entry);
      at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
    }
    return entries;
  } finally {
    await file.close();
  }
}

/** A part to put into a rewritten zip stream: an entry of the source file, or literal content. */
export type ZipPart = ZipEntry | { name: string; content: Buffer };

// Large enough that the unzipper cannot buffer it whole, so it waits until the reader drains it.
const BARRIER_DATA = Buffer.alloc(1024 * 1024);
const BARRIER = deflateRawSync(BARRIER_DATA);
const BARRIER_CRC = crc32(BARRIER_DATA);

/**
 * Streams a new zip holding `parts` in the given order, copying compressed bytes as they are (sizes
 * move from data descriptors into the local headers). With `barriers`, a large filler entry follows
 * each part: a streaming unzipper can then run at most one entry ahead of its reader, and cannot
 * reach the end of the archive while entries it already announced are still unread.
 */
export async function* zipStream(path: string, parts: ZipPart[], barriers: boolean): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    for (const [i, part] of parts.entries()) {
      if ('content' in part) {
        yield localHeader(part.name, 0, 0, crc32(part.content), part.content.length, part.content.length);
        yield part.content;
      } else {
        const local = await read(file, part.headerOffset, 30);
        if (local.readUInt32LE(0) !== LOCAL) throw new ZipError(`${part.name} is damaged`);
        const start = part.headerOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
        yield localHeader(part.name, part.method, part.flags, part.crc, part.compressedSize, part.size);
        if (part.compressedSize > 0) {
          yield* createReadStream(path, {
            start,
            end: start + part.compressedSize - 1,
          }) as AsyncIterable<Buffer>;
        }
      }
      if (barriers) {
        yield localHeader(`cake-bulk-barrier-${i}`, 8, 0, BARRIER_CRC, BARRIER.length, BARRIER_DATA.length);
        yield BARRIER;
      }
    }
    const end = Buffer.alloc(EOCD_SIZE);
    end.writeUInt32LE(EOCD, 0);
    yield end;
  } finally {
    await file.close();
  }
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

function localHeader(
  name: string,
  method: number,
  flags: number,
  crc: number,
  packed: number,
  size: number,
): Buffer {
  const nameBytes = Buffer.from(name);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL, 0);
  header.writeUInt16LE(20, 4);
  // Keep the UTF-8 name flag; drop "sizes in a data descriptor", since the sizes are written here.
  header.writeUInt16LE(flags & 0x0800, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(packed, 18);
  header.writeUInt32LE(size, 22);
  header.writeUInt16LE(nameBytes.length, 26);
  return Buffer.concat([header, nameBytes]);
}

async function read(
  file: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}
