import { createReadStream } from 'node:fs';
import type { Hash } from 'node:crypto';
import { CakeBulkError, FileError } from '../../errors.js';
import { trimTrailingEmpty, type TableItem } from '../table.js';
import { columnName } from './cells.js';
import { MAX_SHEET_BYTES } from './limits.js';
import { damaged, oneLine } from './refusals.js';
import { readSharedStrings } from './shared-strings.js';
import { readSheetRows, type SheetRow } from './sheet.js';
import { readDateStyles } from './styles.js';
import { chooseSheet, readWorkbook } from './workbook.js';
import { openZip, type Zip } from './zip.js';

export interface ReadXlsxOptions {
  /** Worksheet to read, matched ignoring case. @default the first visible worksheet */
  sheet: string | undefined;
  /** Receives every byte of the file, so the caller can fingerprint the input. @default none */
  hash?: Hash | undefined;
}

/**
 * Streams the rows of one sheet of an .xlsx workbook in batches, as the text cells a CSV export of the
 * sheet would hold (see cells.ts). `row` is the sheet's own row number; the header is the first non-blank
 * row. Only the parts needed are read, in this order whatever order the zip stores them in: workbook.xml
 * and its relationships, styles.xml, sharedStrings.xml, then the sheet, streamed.
 *
 * Every entry's CRC-32 is checked, but only once its last byte is read, so rows of the sheet are yielded
 * before its checksum is known. That is safe only because a run reads the whole file once (the scan pass)
 * before it sends anything, and an error anywhere in that pass sends nothing.
 */
export async function* readXlsx(path: string, options: ReadXlsxOptions): AsyncGenerator<TableItem[]> {
  if (options.hash) await hashFile(path, options.hash);
  const zip = await open(path);
  try {
    if ([...zip.entries.values()].some((entry) => entry.isEncrypted())) {
      throw new FileError(
        'E_XLSX',
        path,
        undefined,
        'this workbook is encrypted; save it without a password',
      );
    }
    const book = await readWorkbook(zip, path);
    const { name, entry } = chooseSheet(zip, book, options.sheet, path);
    const dateStyles = await readDateStyles(zip, book.stylesPart);
    const strings = await readSharedStrings(zip, book.stringsPart);
    const rows = readSheetRows(zip.read(entry, MAX_SHEET_BYTES), {
      path,
      sheet: name,
      part: entry.fileName,
      strings,
      dateStyles,
      date1904: book.date1904,
    });
    yield* tableItems(rows, path, name);
  } catch (error) {
    // The zip's, saxes's and the parts' own refusals (ZipError, XmlError) name the part in their message.
    throw error instanceof CakeBulkError ? error : damaged(path, oneLine(error));
  } finally {
    zip.close();
  }
}

async function open(path: string): Promise<Zip> {
  try {
    return await openZip(path);
  } catch (error) {
    throw damaged(path, oneLine(error));
  }
}

/** The sheet's rows as a header and data rows, each padded or cut to the header's width. */
async function* tableItems(
  batches: AsyncGenerator<SheetRow[]>,
  path: string,
  sheet: string,
): AsyncGenerator<TableItem[]> {
  let width = -1;
  for await (const rows of batches) {
    const items: TableItem[] = [];
    for (const item of rows) {
      const { row, cells } = item;
      if (width === -1) {
        width = trimTrailingEmpty(cells).length;
        items.push({ type: 'header', columns: cells.slice(0, width), line: row });
        continue;
      }
      const extra =
        cells.length > width ? cells.findIndex((cell, i) => i >= width && cell.trim() !== '') : -1;
      if (extra !== -1) {
        // The rows before it first, as the CSV reader does: a header this row belongs to may be refused
        // for a reason of its own (no offer_id), which says more.
        yield items;
        throw new FileError(
          'E_TOO_MANY_FIELDS',
          path,
          row,
          `cell ${columnName(extra + 1)}${row} on sheet "${sheet}" has a value but its column has no header; add a header or clear the cell`,
        );
      }
      if (cells.length > width) cells.length = width;
      while (cells.length < width) cells.push('');
      items.push(item);
    }
    if (items.length > 0) yield items;
  }
  if (width === -1) {
    throw new FileError(
      'E_EMPTY_FILE',
      path,
      undefined,
      `sheet "${sheet}" is empty: expected a header row with offer_id`,
    );
  }
}

async function hashFile(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
}
