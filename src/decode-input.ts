import { createReadStream } from 'node:fs';
import type { Hash } from 'node:crypto';
import { FileError } from './errors.js';

/** What the first bytes of a file say it is. */
export type InputKind = 'text' | 'xlsx';

export interface DecodedInput {
  kind: 'text';
  /** Encoding the text was decoded from, for messages and the log. */
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be';
  chunks: AsyncGenerator<string>;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Looks at the first bytes only: xlsx files are zip archives, everything else is read as text. */
export function sniffKind(head: Buffer): InputKind {
  return ZIP_MAGIC.every((b, i) => head[i] === b) ? 'xlsx' : 'text';
}

/**
 * Streams a text file as decoded string chunks. UTF-8 (BOM optional, BOM dropped) and UTF-16 with a BOM
 * are decoded strictly: an invalid byte sequence is a file-level error naming the line it is on.
 * Files with NUL bytes and no UTF-16 BOM are refused as binary rather than parsed into garbage rows.
 */
export async function* decodeText(path: string, hash: Hash | undefined): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  let decoder: InstanceType<typeof TextDecoder> | undefined;
  let encoding = 'utf-8';
  let line = 1;
  let pending: Buffer | undefined;
  try {
    for await (const raw of stream) {
      let chunk = raw as Buffer;
      hash?.update(chunk);
      if (!decoder) {
        // A BOM can straddle the first chunk boundary only for absurdly small chunks; buffer up to 4 bytes.
        chunk = pending ? Buffer.concat([pending, chunk]) : chunk;
        if (chunk.length < 4) {
          pending = chunk;
          continue;
        }
        pending = undefined;
        const sniffed = sniffEncoding(chunk, path);
        encoding = sniffed.encoding;
        decoder = new TextDecoder(encoding, { fatal: true });
        chunk = chunk.subarray(sniffed.bomLength);
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw encodingError(path, line + countInvalidLine(chunk), encoding);
      }
      if (encoding === 'utf-8' && text.includes('\u0000')) throw binaryError(path, line);
      line += countNewlines(text);
      if (text.length > 0) yield text;
    }
    if (!decoder && pending) {
      const sniffed = sniffEncoding(pending, path);
      encoding = sniffed.encoding;
      decoder = new TextDecoder(encoding, { fatal: true });
      pending = pending.subarray(sniffed.bomLength);
      try {
        const text = decoder.decode(pending, { stream: true });
        if (text.includes('\u0000')) throw binaryError(path, line);
        if (text.length > 0) yield text;
      } catch (error) {
        if (error instanceof FileError) throw error;
        throw encodingError(path, line, encoding);
      }
    }
    if (decoder) {
      try {
        const tail = decoder.decode();
        if (tail.length > 0) yield tail;
      } catch {
        throw encodingError(path, line, encoding);
      }
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError('E_FILE_READ', path, undefined, `cannot read the file: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
}

function sniffEncoding(
  head: Buffer,
  path: string,
): { encoding: 'utf-8' | 'utf-16le' | 'utf-16be'; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  const sample = head.subarray(0, 4096);
  if (sample.includes(0)) {
    const evenNul = sample.filter((b, i) => b === 0 && i % 2 === 0).length;
    const oddNul = sample.filter((b, i) => b === 0 && i % 2 === 1).length;
    if (evenNul + oddNul > sample.length / 4 && Math.min(evenNul, oddNul) === 0) {
      throw new FileError(
        'E_ENCODING',
        path,
        undefined,
        'looks like UTF-16 text without a byte-order mark; save it again as "CSV UTF-8 (Comma delimited)"',
      );
    }
    throw binaryError(path, 1);
  }
  return { encoding: 'utf-8', bomLength: 0 };
}

function binaryError(path: string, line: number): FileError {
  return new FileError(
    'E_BINARY',
    path,
    line,
    'this is not a text file (it contains NUL bytes); export the sheet as CSV (UTF-8) or give the .xlsx file',
  );
}

function encodingError(path: string, line: number, encoding: string): FileError {
  return new FileError(
    'E_ENCODING',
    path,
    line,
    `the file is not valid ${encoding.toUpperCase()} text; save it again as "CSV UTF-8 (Comma delimited)"`,
  );
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Newlines before the first invalid UTF-8 sequence in a chunk, so the error names the right line. */
function countInvalidLine(chunk: Buffer): number {
  const probe = new TextDecoder('utf-8', { fatal: false }).decode(chunk);
  const bad = probe.indexOf('\ufffd');
  return bad === -1 ? 0 : countNewlines(probe.slice(0, bad));
}
