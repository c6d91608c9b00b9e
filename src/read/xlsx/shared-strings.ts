import { decodeEscapes } from './cells.js';
import { MAX_PART_BYTES, MAX_SHARED_STRINGS } from './limits.js';
import { feedXml, XmlError } from './xml.js';
import { createXmlScanner } from './xml-scanner.js';
import type { Zip } from './zip.js';

/** The workbook's shared string table: the text a `t="s"` cell refers to by its index. */
export interface SharedStrings {
  readonly count: number;
  /** The string at `index`, `_xHHHH_` escapes decoded; undefined past the end. */
  get(index: number): string | undefined;
}

/**
 * Reads xl/sharedStrings.xml (or the part the workbook's relationships name). A sheet of a million unique
 * names has a million shared strings, so rather than a million JS strings (each with its own header)
 * they are kept as blocks of 1,024 joined into one string, plus a 4-byte offset each; a cell gets a
 * slice of its block. Rich text is the concatenation of its runs; phonetic runs (`<rPh>`, the reading
 * of Japanese text) are not part of the text.
 */
export async function readSharedStrings(zip: Zip, part: string): Promise<SharedStrings> {
  const table = createStringTable();
  let inItem = false;
  let inText = false;
  let inPhonetic = false;
  let text = '';
  const entry = zip.entries.get(part.toLowerCase());
  if (!entry) return table;
  const name = entry.fileName;
  // The scanner rather than saxes: like the sheet, this part grows with the rows.
  const scanner = createXmlScanner(name, {
    open(name) {
      if (name === 'si') {
        inItem = true;
        text = '';
      } else if (name === 't') inText = inItem && !inPhonetic;
      else if (name === 'rPh') inPhonetic = true;
    },
    close(name) {
      if (name === 'si') {
        if (table.count >= MAX_SHARED_STRINGS) {
          throw new XmlError(`${name} holds more than ${MAX_SHARED_STRINGS.toLocaleString('en-US')} strings`);
        }
        table.add(text);
        inItem = false;
      } else if (name === 't') inText = false;
      else if (name === 'rPh') inPhonetic = false;
    },
    text(chunk) {
      if (inText) text += chunk;
    },
  });
  for await (const _ of feedXml(zip.read(entry, MAX_PART_BYTES), name, scanner));
  table.finish();
  return table;
}

// Strings per block: a block is one JS string, joined once it is full.
const BLOCK_BITS = 10;
const LAST_IN_BLOCK = (1 << BLOCK_BITS) - 1;
const DECODED_STRINGS = 4096;

function createStringTable(): SharedStrings & { add(text: string): void; finish(): void } {
  const blocks: string[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  // starts[i] is where string i begins in its block; the next one's start (or the block's end) ends it.
  let starts = new Uint32Array(1 << BLOCK_BITS);
  let count = 0;
  // The first strings of a table are the ones a sheet repeats most (a status, a country): kept decoded
  // once, rather than sliced and decoded again for every cell that shows them.
  const decoded: string[] = [];
  const seal = () => {
    blocks.push(pending.join(''));
    pending = [];
    pendingChars = 0;
  };
  return {
    get count() {
      return count;
    },
    get(index) {
      if (!(index >= 0 && index < count)) return undefined;
      if (index < DECODED_STRINGS) {
        const known = decoded[index];
        if (known !== undefined) return known;
      }
      const block = blocks[index >> BLOCK_BITS]!;
      const end =
        (index & LAST_IN_BLOCK) === LAST_IN_BLOCK || index + 1 === count ? block.length : starts[index + 1];
      // A slice shares its block's characters rather than copying them. The text is kept raw and
      // decoded here, so a lone surrogate from `_xD800_` reaches the cell as it is.
      const text = decodeEscapes(block.slice(starts[index], end));
      if (index < DECODED_STRINGS) decoded[index] = text;
      return text;
    },
    add(text) {
      if (count === starts.length) {
        const grown = new Uint32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count] = pendingChars;
      pending.push(text);
      pendingChars += text.length;
      if ((count++ & LAST_IN_BLOCK) === LAST_IN_BLOCK) seal();
    },
    finish() {
      if (pending.length > 0) seal();
    },
  };
}
