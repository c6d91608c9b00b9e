import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import { CakeBulkError } from '../../errors.js';
import { MAX_DEPTH, MAX_TOKEN_CHARS } from './limits.js';
import { ZipError, type Zip } from './zip.js';

/** An element's attributes by name as written (prefix and all, e.g. `r:id`); valid only during `open`. */
export interface XmlAttributes {
  get(name: string): string | undefined;
  names(): string[];
}

const PIECE_CHARS = 32 * 1024;

/** What a part's reader does with each element; element names come without their namespace prefix. */
export interface XmlHandlers {
  open(name: string, attributes: XmlAttributes): void;
  close(name: string): void;
  text(text: string): void;
}

/** The XML of a part is broken, or past a limit; the message names the part. */
export class XmlError extends Error {
  override name = 'XmlError';
}

/** A streaming XML parser fed text: saxes, or the sheet scanner (xml-scanner.ts). */
export interface XmlEngine {
  /** Parses more of the document, calling the handlers; throws XmlError (or a handler's own error). */
  write(text: string): void;
  /** The document has ended: throws XmlError if it ended before its root element closed. */
  close(): void;
}

/**
 * Feeds one zip entry's bytes, decoded as UTF-8, to `engine`, yielding after each chunk so the caller can
 * hand on what the chunk produced. When anything goes wrong mid-entry, the rest of the entry is read
 * first: damage shows as a failed checksum, which says more than the XML error it caused.
 */
export async function* feedXml(
  chunks: AsyncGenerator<Buffer>,
  part: string,
  engine: XmlEngine,
): AsyncGenerator<void> {
  const decode = createUtf8Decoder(part);
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) break;
      const text = decode(next.value);
      // In pieces, so what one piece produces (a batch of rows) is handed on while it is young.
      for (let at = 0; at < text.length; at += PIECE_CHARS) {
        engine.write(at === 0 && text.length <= PIECE_CHARS ? text : text.slice(at, at + PIECE_CHARS));
        yield;
      }
    }
    engine.write(decode(undefined));
    engine.close();
  } catch (error) {
    if (!(error instanceof ZipError)) await drain(chunks);
    throw error;
  }
}

/** Reads a whole part with saxes, if the zip has it. */
export async function parsePart(zip: Zip, part: string, limit: number, handlers: XmlHandlers): Promise<void> {
  const entry = zip.entries.get(part.toLowerCase());
  if (!entry) return;
  const name = entry.fileName;
  for await (const _ of feedXml(zip.read(entry, limit), name, saxesEngine(name, handlers)));
}

type PlainOptions = { xmlns: false; position: false };

/**
 * saxes, a conforming XML parser, for the small parts whose XML varies most between programs. Namespaces
 * are not resolved: programs bind different prefixes to the same namespace, and only local names matter.
 * Nesting is bounded (saxes keeps every open element), and so is any one text or tag (it keeps that whole
 * until it ends).
 */
export function saxesEngine(part: string, handlers: XmlHandlers): XmlEngine {
  const parser = new SaxesParser<PlainOptions>({ xmlns: false, position: false });
  let events = 0;
  let depth = 0;
  let pending = 0;
  let record: Record<string, string> = {};
  const attributes: XmlAttributes = {
    get: (name) => (Object.hasOwn(record, name) ? record[name] : undefined),
    names: () => Object.keys(record),
  };
  parser.on('opentag', (tag) => {
    events++;
    if (++depth > MAX_DEPTH) throw new XmlError(`${part} nests elements over ${MAX_DEPTH} deep`);
    record = tag.attributes;
    handlers.open(localName(tag.name), attributes);
  });
  parser.on('closetag', (tag) => {
    events++;
    depth--;
    handlers.close(localName(tag.name));
  });
  parser.on('text', (text) => {
    events++;
    handlers.text(text);
  });
  parser.on('cdata', (text) => {
    events++;
    handlers.text(text);
  });
  return {
    write(text) {
      const before = events;
      try {
        parser.write(text);
      } catch (error) {
        // The handlers' own refusals pass through; anything else came from saxes.
        if (error instanceof CakeBulkError || error instanceof XmlError) throw error;
        throw new XmlError(`${part} is not well-formed XML (${String((error as Error).message)})`);
      }
      pending = events === before ? pending + text.length : 0;
      if (pending > MAX_TOKEN_CHARS) throw tokenTooLong(part);
    },
    close() {
      try {
        parser.close();
      } catch (error) {
        if (error instanceof CakeBulkError || error instanceof XmlError) throw error;
        throw endsEarly(part);
      }
    },
  };
}

/** The refusal for a part whose document stops before its root element closes. */
export function endsEarly(part: string): XmlError {
  return new XmlError(`${part} ends in the middle (cut short or damaged)`);
}

/** The refusal for a text or tag longer than MAX_TOKEN_CHARS, which only a damaged or hostile part has. */
export function tokenTooLong(part: string): XmlError {
  return new XmlError(
    `${part} holds one XML text or tag of over ${MAX_TOKEN_CHARS.toLocaleString('en-US')} characters`,
  );
}

/** `x:row` -> `row`: an element's name without its namespace prefix. */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Decodes a part's chunks as UTF-8 (`undefined` ends it), refusing bytes that are not. */
function createUtf8Decoder(part: string): (bytes: Buffer | undefined) => string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Whether the decoder holds the first bytes of a character the last chunk cut in two.
  let cut = false;
  return (bytes) => {
    // Plain ASCII (most of any sheet) is copied as it is, unless the character before it is unfinished.
    if (bytes !== undefined && !cut && isAscii(bytes)) return bytes.toString('latin1');
    try {
      const text = decoder.decode(bytes, { stream: bytes !== undefined });
      // A chunk too short to hold a whole character may only have continued one: stay on the decoder.
      cut = bytes !== undefined && (bytes.length < 4 || endsMidCharacter(bytes));
      return text;
    } catch {
      throw new XmlError(`${part} is not UTF-8 text`);
    }
  };
}

/** Whether the bytes end inside a UTF-8 character (a lead byte whose continuation bytes are not all there). */
function endsMidCharacter(bytes: Buffer): boolean {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const byte = bytes[bytes.length - back]!;
    if (byte < 0x80) return false;
    if (byte >= 0xc0) return (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2) > back;
  }
  return false;
}

async function drain(chunks: AsyncGenerator<Buffer>): Promise<void> {
  for (;;) if ((await chunks.next()).done) return;
}
