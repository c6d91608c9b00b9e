import type { Entry } from 'yauzl';
import { FileError } from '../../errors.js';
import { MAX_LIST_ITEMS, MAX_PART_BYTES } from './limits.js';
import { damaged, sheetNotFound, type SheetListing } from './refusals.js';
import { parsePart, XmlError, type XmlAttributes } from './xml.js';
import type { Zip } from './zip.js';

const WORKBOOK = 'xl/workbook.xml';
const WORKBOOK_RELS = 'xl/_rels/workbook.xml.rels';

/** A sheet as workbook.xml lists it, with the zip part its cells are in. */
export interface SheetInfo extends SheetListing {
  /** The part the sheet's relationship points at, resolved to a zip entry name. */
  part: string | undefined;
  /** Only worksheets hold cells; chart sheets and macro sheets do not. */
  worksheet: boolean;
}

/** What workbook.xml and its relationships say about the workbook. */
export interface Workbook {
  /** In tab order. */
  sheets: SheetInfo[];
  /** Serial dates count from 1904 (old Mac Excel) rather than 1900. */
  date1904: boolean;
  stylesPart: string;
  stringsPart: string;
}

/**
 * Reads xl/workbook.xml (sheet names, visibility, relationship ids, the date system) and
 * xl/_rels/workbook.xml.rels (where each sheet, the styles and the shared strings are), so sheets are
 * found by what the workbook says rather than by assuming `sheetN.xml` names.
 */
export async function readWorkbook(zip: Zip, path: string): Promise<Workbook> {
  if (!zip.entries.has(WORKBOOK)) {
    throw new FileError(
      'E_XLSX',
      path,
      undefined,
      'this zip file is not an Excel workbook (it has no xl/workbook.xml); give an .xlsx file or a CSV export',
    );
  }
  if (!zip.entries.has(WORKBOOK_RELS)) {
    throw damaged(path, `${WORKBOOK_RELS}, which says where each sheet is, is missing`);
  }
  const listed: Array<SheetListing & { id: string | undefined }> = [];
  let date1904 = false;
  await parsePart(zip, WORKBOOK, MAX_PART_BYTES, {
    open(name, attributes) {
      if (name === 'sheet') {
        if (listed.length >= MAX_LIST_ITEMS) throw new XmlError(`${WORKBOOK} lists too many sheets`);
        listed.push({
          name: attributes.get('name') ?? '',
          state: attributes.get('state') ?? 'visible',
          id: relationId(attributes),
        });
      } else if (name === 'workbookPr') {
        const value = attributes.get('date1904');
        date1904 = value === '1' || value === 'true';
      }
    },
    close() {},
    text() {},
  });
  const rels = new Map<string, { type: string; target: string }>();
  await parsePart(zip, WORKBOOK_RELS, MAX_PART_BYTES, {
    open(name, attributes) {
      if (name !== 'Relationship' || attributes.get('TargetMode') === 'External') return;
      if (rels.size >= MAX_LIST_ITEMS) throw new XmlError(`${WORKBOOK_RELS} lists too many relationships`);
      rels.set(attributes.get('Id') ?? '', {
        type: attributes.get('Type') ?? '',
        target: resolveTarget(attributes.get('Target') ?? ''),
      });
    },
    close() {},
    text() {},
  });
  const partOfType = (suffix: string) => [...rels.values()].find((rel) => rel.type.endsWith(suffix))?.target;
  return {
    sheets: listed.map(({ name, state, id }) => {
      const rel = id === undefined ? undefined : rels.get(id);
      return { name, state, part: rel?.target, worksheet: rel?.type.endsWith('/worksheet') ?? false };
    }),
    date1904,
    stylesPart: partOfType('/styles') ?? 'xl/styles.xml',
    stringsPart: partOfType('/sharedStrings') ?? 'xl/sharedStrings.xml',
  };
}

/**
 * The sheet to read: the one named (ignoring case), or else the first visible worksheet, or else the
 * first worksheet at all. Returns its name and zip entry.
 */
export function chooseSheet(
  zip: Zip,
  book: Workbook,
  wanted: string | undefined,
  path: string,
): { name: string; entry: Entry } {
  const worksheets = book.sheets.filter((sheet) => sheet.worksheet);
  const sheet =
    wanted !== undefined
      ? book.sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase())
      : (worksheets.find((s) => s.state === 'visible') ?? worksheets[0]);
  if (!sheet) throw sheetNotFound(path, wanted, book.sheets);
  if (!sheet.worksheet) {
    throw new FileError(
      'E_SHEET_NOT_FOUND',
      path,
      undefined,
      `sheet "${sheet.name}" holds no cells (it is a chart or macro sheet); pick a sheet of data with --sheet NAME`,
    );
  }
  const entry = sheet.part === undefined ? undefined : zip.entries.get(sheet.part.toLowerCase());
  if (!entry) throw damaged(path, `the cells of sheet "${sheet.name}" (${sheet.part}) are not in the file`);
  return { name: sheet.name, entry };
}

/** The `r:id` attribute, whatever prefix the file binds to the relationships namespace. */
function relationId(attributes: XmlAttributes): string | undefined {
  const name =
    attributes.names().find((key) => key === 'r:id') ?? attributes.names().find((key) => key.endsWith(':id'));
  return name === undefined ? undefined : attributes.get(name);
}

/** A relationship target as a zip entry name: relative to xl/, or from the root when it starts with /. */
function resolveTarget(target: string): string {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // Not percent-encoded after all: use it as written.
  }
  const segments: string[] = [];
  for (const segment of (decoded.startsWith('/') ? decoded : `xl/${decoded}`).split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '.' && segment !== '') segments.push(segment);
  }
  return segments.join('/');
}
