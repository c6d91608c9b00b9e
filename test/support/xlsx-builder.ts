import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { readXlsx } from '../../src/read/xlsx/read-xlsx.js';
import type { TableItem } from '../../src/read/table.js';

/**
 * Workbooks built part by part for the .xlsx reader's tests: a tiny zip writer (entries in the order
 * given, each deflated or stored, with room to lie about sizes and checksums) and the minimal parts of a
 * workbook, as Excel lays them out.
 */

export interface ZipInput {
  name: string;
  data: string | Buffer;
  /** Stored instead of deflated, so a test can change a byte of the content itself. */
  store?: boolean;
  /** What the zip claims instead of the truth, for damaged and lying zips. */
  claim?: { crc?: number; size?: number };
}

/** The zip's bytes: local headers and data in the order given, then the central directory. */
export function zipBytes(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data);
    const packed = entry.store ? data : deflateRawSync(data);
    const name = Buffer.from(entry.name);
    const crc = entry.claim?.crc ?? crc32(data);
    const size = entry.claim?.size ?? data.length;
    const method = entry.store ? 0 : 8;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(method, 10);
    head.writeUInt16LE(0x21, 14);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(packed.length, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    central.push(head, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

export interface SheetSpec {
  name: string;
  /** The `<row>` elements, as XML. */
  rows?: string;
  /** The whole part instead of `rows`, for parts that are not a plain sheet. */
  xml?: string;
  state?: 'hidden' | 'veryHidden';
  /** Its relationship's target. @default `worksheets/sheet<n>.xml` */
  target?: string;
  /** Its relationship's type. @default the worksheet type */
  type?: string;
  /** Its entry in the zip. @default `xl/` and the target */
  part?: string;
}

export interface WorkbookSpec {
  sheets: SheetSpec[];
  /** Shared strings: plain text (XML-escaped here), or the inside of an `<si>` when it starts with `<`. */
  strings?: string[];
  date1904?: boolean;
  /**
   * The cell formats, by `s` index: a built-in number format id, or a custom format code.
   * @default General, 14, 22, a custom `yyyy-mm-dd hh:mm:ss`, 2 ("0.00"), 49 (Text)
   */
  formats?: Array<number | string>;
}

/** A sheet part holding `rows`. */
export function sheetXml(rows: string): string {
  return `${XML}<worksheet xmlns="${MAIN}" xmlns:r="${REL}"><sheetData>${rows}</sheetData></worksheet>`;
}

/** The parts of a workbook, in the order Excel writes them (sheets before styles and strings). */
export function workbookEntries(spec: WorkbookSpec): ZipInput[] {
  const targets = spec.sheets.map((sheet, i) => sheet.target ?? `worksheets/sheet${i + 1}.xml`);
  const workbook =
    `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><workbookPr${spec.date1904 ? ' date1904="1"' : ''}/><sheets>` +
    spec.sheets
      .map(
        (s, i) =>
          `<sheet name="${escape(s.name)}" sheetId="${i + 1}"${s.state ? ` state="${s.state}"` : ''} r:id="rId${i + 1}"/>`,
      )
      .join('') +
    '</sheets></workbook>';
  const rels =
    `${XML}<Relationships xmlns="${PKG_REL}">` +
    spec.sheets
      .map(
        (s, i) =>
          `<Relationship Id="rId${i + 1}" Type="${s.type ?? `${REL}/worksheet`}" Target="${targets[i]}"/>`,
      )
      .join('') +
    `<Relationship Id="rIdS" Type="${REL}/styles" Target="styles.xml"/>` +
    `<Relationship Id="rIdT" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;
  const formats = spec.formats ?? [0, 14, 22, 'yyyy\\-mm\\-dd\\ hh:mm:ss', 2, 49];
  const custom = formats.flatMap((f, i) => (typeof f === 'string' ? [[164 + i, f] as const] : []));
  const styles =
    `${XML}<styleSheet xmlns="${MAIN}"><numFmts count="${custom.length}">` +
    custom.map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${escape(code)}"/>`).join('') +
    '</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>' +
    `<cellXfs count="${formats.length}">` +
    formats.map((f, i) => `<xf numFmtId="${typeof f === 'string' ? 164 + i : f}" xfId="0"/>`).join('') +
    '</cellXfs></styleSheet>';
  const strings = spec.strings ?? [];
  const sst =
    `${XML}<sst xmlns="${MAIN}" count="${strings.length}" uniqueCount="${strings.length}">` +
    strings.map((s) => (s.startsWith('<') ? `<si>${s}</si>` : `<si><t>${escape(s)}</t></si>`)).join('') +
    '</sst>';
  return [
    {
      name: '[Content_Types].xml',
      data: `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
    },
    { name: '_rels/.rels', data: `${XML}<Relationships xmlns="${PKG_REL}"/>` },
    { name: 'xl/workbook.xml', data: workbook },
    { name: 'xl/_rels/workbook.xml.rels', data: rels },
    ...spec.sheets.map((s, i) => ({
      name: s.part ?? `xl/${targets[i]}`,
      data: s.xml ?? sheetXml(s.rows ?? ''),
    })),
    { name: 'xl/styles.xml', data: styles },
    { name: 'xl/sharedStrings.xml', data: sst },
  ];
}

/** Writes a zip of `entries` into `dir` and returns its path. */
export async function writeZip(dir: string, name: string, entries: ZipInput[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, zipBytes(entries));
  return path;
}

/** Every item readXlsx yields, failing (instead of hanging) if that takes longer than `ms`. */
export async function readAll(path: string, sheet?: string, ms = 10_000): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`readXlsx did not finish within ${ms} ms`)), ms);
  });
  const reading = (async () => {
    for await (const batch of readXlsx(path, { sheet })) items.push(...batch);
  })();
  try {
    await Promise.race([reading, hang]);
  } finally {
    clearTimeout(timer);
  }
  return items;
}

/** What readAll refuses with (the test fails if it reads instead). */
export async function readError(path: string, sheet?: string): Promise<Error & { code?: string }> {
  const error = await readAll(path, sheet).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof Error) return error;
  throw new Error(`expected ${path} to be refused, and it was read`);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
