import { createWriteStream } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { SNIFF_BYTES, sniffKind, unsupportedFormat } from '../read/input-kind.js';

/** The upload form's file field. */
export const FILE_FIELD = 'spreadsheet';

export interface UploadOptions {
  /** Bytes accepted at most; a larger file is refused and nothing of it is kept. */
  maxBytes: number;
  checkCsrf(value: string | undefined): boolean;
  /** Makes the run's folder once a file arrives (after the CSRF field); `name` is for display only. */
  makeRun(name: string): { id: string; dir: string };
  /** Removes a run's folder again when the upload is refused. */
  removeRun(id: string): void;
}

export type UploadResult =
  | { ok: true; id: string; input: string; name: string; bytes: number }
  | { ok: false; status: 400 | 403 | 413 | 415; message: string };

/**
 * Streams a multipart upload into a new run's folder. The workspace names the file itself, from what its
 * first bytes say it is (`input.xlsx` for a workbook, `input.csv` for text): nothing of the upload's own
 * name reaches a path. The CSRF field must come before the file.
 */
export async function receiveUpload(req: IncomingMessage, options: UploadOptions): Promise<UploadResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBytes + 64 * 1024) return tooLarge(options.maxBytes);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: { files: 1, fileSize: options.maxBytes, fields: 8, fieldSize: 4096, parts: 10 },
    });
  } catch {
    return { ok: false, status: 400, message: 'Expected a form with a spreadsheet in it.' };
  }
  let csrf = false;
  let refused: UploadResult | undefined;
  let received: { id: string; dir: string; name: string; bytes: number; truncated: boolean } | undefined;
  const writes: Array<Promise<void>> = [];
  parser.on('field', (name, value) => {
    if (name === '_csrf') csrf = options.checkCsrf(value);
  });
  parser.on('file', (name, stream, info) => {
    if (name !== FILE_FIELD || received || refused) return void stream.resume();
    if (!csrf) {
      refused = { ok: false, status: 403, message: 'The form is missing its CSRF token: reload the page.' };
      return void stream.resume();
    }
    const run = options.makeRun(displayName(info.filename));
    const file = { ...run, name: displayName(info.filename), bytes: 0, truncated: false };
    received = file;
    stream.on('data', (chunk: Buffer) => (file.bytes += chunk.length));
    stream.on('limit', () => (file.truncated = true));
    writes.push(pipeline(stream, createWriteStream(join(run.dir, 'upload.part'), { flags: 'wx' })));
  });
  try {
    await pipeline(req, parser);
    await Promise.all(writes);
  } catch {
    if (received) options.removeRun(received.id);
    return { ok: false, status: 400, message: 'The upload was cut short; try again.' };
  }
  if (refused) {
    if (received) options.removeRun(received.id);
    return refused;
  }
  if (!received || received.bytes === 0) {
    if (received) options.removeRun(received.id);
    return { ok: false, status: 400, message: 'Choose a spreadsheet (CSV, TSV or .xlsx) first.' };
  }
  if (received.truncated) {
    options.removeRun(received.id);
    return tooLarge(options.maxBytes);
  }
  return named(received, options);
}

/** Renames the upload by what it is; a format the reader refuses is refused here, with its words. */
async function named(
  file: { id: string; dir: string; name: string; bytes: number },
  options: UploadOptions,
): Promise<UploadResult> {
  const part = join(file.dir, 'upload.part');
  const handle = await open(part, 'r');
  const head = Buffer.alloc(SNIFF_BYTES);
  let bytesRead = 0;
  try {
    ({ bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0));
  } finally {
    await handle.close();
  }
  const kind = sniffKind(head.subarray(0, bytesRead));
  if (kind === 'ods' || kind === 'ole') {
    options.removeRun(file.id);
    return { ok: false, status: 415, message: `${file.name}: ${unsupportedFormat(kind, part).detail}` };
  }
  const input = join(file.dir, kind === 'xlsx' ? 'input.xlsx' : 'input.csv');
  await rename(part, input);
  return { ok: true, id: file.id, input, name: file.name, bytes: file.bytes };
}

function tooLarge(maxBytes: number): UploadResult {
  const mb = maxBytes / 1024 / 1024;
  const limit = mb >= 1 ? `${Math.round(mb * 10) / 10} MB` : `${Math.round(maxBytes / 1024)} KB`;
  return {
    ok: false,
    status: 413,
    message: `The file is larger than the upload limit of ${limit}; start the server with --max-upload MB to allow more.`,
  };
}

/** The upload's name as a person would recognise it, for display only (never part of a path). */
export function displayName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const hidden = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g;
  const clean = base.replace(hidden, '').trim();
  return clean.slice(0, 200) || 'spreadsheet';
}
