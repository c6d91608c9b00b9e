import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';
import { FileError } from '../../errors.js';
import { countLineBreaks, createLineCounter } from './line-breaks.js';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

const CHUNK_BYTES = 64 * 1024;

/**
 * Streams a text file as UTF-8 bytes with any BOM removed, ready for the CSV parser (`found.bom` says
 * whether there was one, once the first bytes are read). UTF-8 (BOM optional)
 * is checked strictly and passed through without decoding; UTF-16 needs a BOM and is re-encoded. Invalid
 * bytes and NUL bytes are file-level errors naming the line they are on.
 */
export async function* decodeText(
  path: string,
  hash: Hash | undefined,
  found: { bom: boolean } = { bom: false },
): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let encoding: TextEncoding | undefined;
  let utf16: InstanceType<typeof TextDecoder> | undefined;
  // Bytes held back: a too-short start, or a UTF-8 sequence cut by the chunk boundary.
  let pending: Buffer = Buffer.alloc(0);
  // File offset of pending[0].
  let offset = 0;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      hash?.update(raw);
      let chunk = pending.length > 0 ? Buffer.concat([pending, raw]) : raw;
      if (encoding === undefined) {
        if (chunk.length < 4) {
          pending = chunk;
          continue;
        }
        const sniffed = sniffEncoding(chunk, path);
        found.bom = sniffed.bomLength > 0;
        encoding = sniffed.encoding;
        if (encoding !== 'utf-8') utf16 = new TextDecoder(encoding, { fatal: true });
        chunk = chunk.subarray(sniffed.bomLength);
        offset += sniffed.bomLength;
      }
      if (utf16) {
        yield await decodeUtf16(utf16, chunk, false, path, offset, encoding);
        offset += chunk.length;
        pending = Buffer.alloc(0);
        continue;
      }
      const end = completeUtf8Length(chunk);
      const body = chunk.subarray(0, end);
      await checkUtf8(body, path, offset);
      pending = Buffer.from(chunk.subarray(end));
      offset += end;
      if (body.length > 0) yield body;
    }
    if (encoding === undefined && pending.length > 0) {
      const sniffed = sniffEncoding(pending, path);
      found.bom = sniffed.bomLength > 0;
      encoding = sniffed.encoding;
      if (encoding !== 'utf-8') utf16 = new TextDecoder(encoding, { fatal: true });
      pending = pending.subarray(sniffed.bomLength);
      offset += sniffed.bomLength;
    }
    if (utf16) {
      const tail = await decodeUtf16(utf16, pending, true, path, offset, encoding ?? 'utf-16le');
      if (tail.length > 0) yield tail;
    } else if (pending.length > 0) {
      await checkUtf8(pending, path, offset);
      yield pending;
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError('E_FILE_READ', path, undefined, `cannot read the file: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
}

function sniffEncoding(head: Buffer, path: string): { encoding: TextEncoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  const sample = head.subarray(0, 4096);
  let evenNul = 0;
  let oddNul = 0;
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const b = sample[i]!;
    if (b === 0) {
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    } else if (isControl(b)) control++;
  }
  if (evenNul + oddNul > sample.length / 4 && Math.min(evenNul, oddNul) === 0) {
    throw new FileError(
      'E_ENCODING',
      path,
      undefined,
      'looks like UTF-16 text without a byte-order mark; save it again as "CSV UTF-8 (Comma delimited)"',
    );
  }
  // Text never holds many control bytes; random or compressed data always does. (A NUL is refused by
  // the UTF-8 check, which names its line.)
  if (control > sample.length / 100 + 2)
    throw binaryError(path, countLineBreaks(sample.subarray(0, firstBinaryByte(sample))) + 1);
  return { encoding: 'utf-8', bomLength: 0 };
}

function isControl(b: number): boolean {
  return b < 0x20 && (b < 0x09 || b > 0x0d) && b !== 0x1a && b !== 0;
}

function firstBinaryByte(sample: Buffer): number {
  return sample.findIndex((b) => b === 0 || isControl(b));
}

/** Length of `chunk` up to the last UTF-8 sequence that is complete (the rest waits for the next chunk). */
function completeUtf8Length(chunk: Buffer): number {
  let lead = chunk.length - 1;
  while (lead >= 0 && chunk.length - lead <= 3 && (chunk[lead]! & 0xc0) === 0x80) lead--;
  if (lead < 0) return chunk.length;
  const b = chunk[lead]!;
  const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return chunk.length - lead >= need ? chunk.length : lead;
}

async function checkUtf8(body: Buffer, path: string, offset: number): Promise<void> {
  const nul = body.indexOf(0);
  if (nul !== -1) throw binaryError(path, await lineAt(path, offset + nul, 'utf-8'));
  if (!isUtf8(body)) {
    throw encodingError(path, await lineAt(path, offset + firstInvalidUtf8(body), 'utf-8'), 'utf-8');
  }
}

async function decodeUtf16(
  decoder: InstanceType<typeof TextDecoder>,
  chunk: Buffer,
  last: boolean,
  path: string,
  offset: number,
  encoding: TextEncoding,
): Promise<Buffer> {
  let text: string;
  try {
    text = decoder.decode(chunk, { stream: !last });
  } catch {
    const probe = new TextDecoder(encoding).decode(chunk);
    const bad = Math.max(0, probe.indexOf('\ufffd'));
    throw encodingError(path, await lineAt(path, offset + bad * 2, encoding), encoding);
  }
  const nul = text.indexOf('\u0000');
  if (nul !== -1) throw binaryError(path, await lineAt(path, offset + nul * 2, encoding));
  return Buffer.from(text, 'utf8');
}

/** Byte index of the first invalid sequence; a valid U+FFFD in the text is told apart by its bytes. */
function firstInvalidUtf8(body: Buffer): number {
  const text = new TextDecoder('utf-8').decode(body);
  for (let at = text.indexOf('\ufffd'); at !== -1; at = text.indexOf('\ufffd', at + 1)) {
    const byte = Buffer.byteLength(text.slice(0, at));
    if (!(body[byte] === 0xef && body[byte + 1] === 0xbf && body[byte + 2] === 0xbd)) return byte;
  }
  return 0;
}

/**
 * The line (from 1) holding byte `offset`, counted as the CSV reader counts lines. Only runs on the error
 * path, so it simply reads the file again up to that point.
 */
async function lineAt(path: string, offset: number, encoding: TextEncoding): Promise<number> {
  if (offset <= 0) return 1;
  const decoder = new TextDecoder(encoding);
  const lines = createLineCounter();
  for await (const chunk of createReadStream(path, { end: offset - 1 }) as AsyncIterable<Buffer>) {
    lines.push(encoding === 'utf-8' ? chunk : Buffer.from(decoder.decode(chunk, { stream: true })));
  }
  return lines.breaks + 1;
}

function binaryError(path: string, line: number): FileError {
  return new FileError(
    'E_BINARY',
    path,
    line,
    'this is not a text file (it holds NUL or control bytes); export the sheet as CSV UTF-8 or give the .xlsx file',
  );
}

function encodingError(path: string, line: number, encoding: TextEncoding): FileError {
  const hint =
    encoding === 'utf-8'
      ? ' (it was probably saved in a regional encoding such as Windows-1252)'
      : ' (it is cut short or damaged)';
  return new FileError(
    'E_ENCODING',
    path,
    line,
    `this line is not valid ${encoding.toUpperCase()} text${hint}; save the file again as "CSV UTF-8 (Comma delimited)"`,
  );
}
