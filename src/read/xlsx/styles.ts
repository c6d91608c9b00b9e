import { isDateFormat } from './cells.js';
import { MAX_LIST_ITEMS, MAX_PART_BYTES } from './limits.js';
import { parsePart, XmlError } from './xml.js';
import type { Zip } from './zip.js';

/**
 * Reads xl/styles.xml (or the part the workbook's relationships name) down to what cell text needs: for
 * each cell format (a cell's `s` index into `<cellXfs>`), whether its number format shows a date. Custom
 * formats (`<numFmts>`) are judged by their code, built-in ones by their id. A workbook without styles
 * has no dates.
 */
export async function readDateStyles(zip: Zip, part: string): Promise<Uint8Array> {
  const codes = new Map<number, string>();
  const formats: number[] = [];
  let inCellFormats = false;
  const count = (what: string, size: number) => {
    if (size >= MAX_LIST_ITEMS) throw new XmlError(`${part} lists more than ${MAX_LIST_ITEMS} ${what}`);
  };
  await parsePart(zip, part, MAX_PART_BYTES, {
    open(name, attributes) {
      if (name === 'numFmt') {
        count('number formats', codes.size);
        codes.set(Number(attributes.get('numFmtId')), attributes.get('formatCode') ?? '');
      } else if (name === 'cellXfs') inCellFormats = true;
      else if (name === 'xf' && inCellFormats) {
        count('cell formats', formats.length);
        formats.push(Number(attributes.get('numFmtId') ?? 0));
      }
    },
    close(name) {
      if (name === 'cellXfs') inCellFormats = false;
    },
    text() {},
  });
  return Uint8Array.from(formats, (id) => (isDateFormat(id, codes.get(id)) ? 1 : 0));
}
