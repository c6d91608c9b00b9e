import { FileError } from '../../errors.js';
import { isBlank, MAX_RECORD_BYTES, type CellError, type TableItem } from '../table.js';
import {
  booleanText,
  columnName,
  decodeEscapes,
  isoDateText,
  numberText,
  type CellProblem,
} from './cells.js';
import { parseColumn, parseNumber } from './cell-address.js';
import { MAX_COLUMNS, MAX_ROWS } from './limits.js';
import type { SharedStrings } from './shared-strings.js';
import { feedXml, XmlError, type XmlAttributes } from './xml.js';
import { createXmlScanner } from './xml-scanner.js';

/**
 * One non-blank row of the sheet: its number on the sheet, its cells' text (up to its last non-empty
 * cell; the caller pads them to the header's width) and its formula errors.
 */
export type SheetRow = Extract<TableItem, { type: 'row' }>;

/** What reading a sheet's cells needs from the rest of the workbook. */
export interface SheetContext {
  path: string;
  /** The sheet's name, for messages. */
  sheet: string;
  /** The sheet's zip entry name, for messages. */
  part: string;
  strings: SharedStrings;
  /** For each cell format (`s`), 1 when it shows a date. */
  dateStyles: Uint8Array;
  date1904: boolean;
}

// Rows per batch: one await per batch instead of per row, and few enough that a batch dies young.
const BATCH_ROWS = 256;

/**
 * Streams a worksheet part row by row (blank rows left out), in batches. A row or cell without its
 * optional `r` follows the one before it. Rows and cells out of order, past Excel's limits, or with a
 * reference that does not parse are refused (E_XLSX), as is a sheet whose XML breaks off.
 */
export async function* readSheetRows(
  chunks: AsyncGenerator<Buffer>,
  context: SheetContext,
): AsyncGenerator<SheetRow[]> {
  const reader = createRowReader(context);
  for await (const _ of feedXml(chunks, context.part, createXmlScanner(context.part, reader))) {
    if (reader.rows.length >= BATCH_ROWS) yield reader.take();
  }
  if (reader.rows.length > 0) yield reader.take();
}

function createRowReader(context: SheetContext) {
  const { path, part, strings, dateStyles, date1904 } = context;
  const refuse = (why: string) => new XmlError(`${part} ${why}`);
  let rows: SheetRow[] = [];
  let inSheetData = false;
  let rowCount = 0;
  let lastRow = 0;
  // The row being read (0 between rows) and its cells.
  let row = 0;
  let cells: string[] = [];
  let errors: CellError[] | undefined;
  let lastColumn = 0;
  let cellCount = 0;
  let size = 0;
  // The cell being read.
  let inCell = false;
  let column = 0;
  let type = 'n';
  let style = 0;
  let formula = false;
  let value: string | undefined;
  let inValue = false;
  let inline: string | undefined;
  let inText = false;
  let inPhonetic = false;

  const startRow = (r: string | undefined) => {
    if (++rowCount > MAX_ROWS)
      throw refuse(`has more than ${MAX_ROWS.toLocaleString('en-US')} rows, Excel's limit`);
    const number = r === undefined ? lastRow + 1 : parseNumber(r, 0, r.length);
    if (number < 1) throw refuse(`has a row numbered "${r!.slice(0, 20)}"`);
    if (number > MAX_ROWS) throw refuse(`has a row past ${MAX_ROWS.toLocaleString('en-US')}, Excel's last`);
    if (number <= lastRow) throw refuse(`has row ${number} after row ${lastRow}: rows out of order`);
    row = lastRow = number;
    cells = [];
    errors = undefined;
    lastColumn = cellCount = size = 0;
  };

  const startCell = (attributes: XmlAttributes) => {
    if (++cellCount > MAX_COLUMNS)
      throw refuse(`has more than ${MAX_COLUMNS.toLocaleString('en-US')} cells in row ${row}`);
    const ref = attributes.get('r');
    column = ref === undefined ? lastColumn + 1 : parseColumn(ref);
    if (column === 0) throw refuse(`has a cell reference that is not one: "${ref!.slice(0, 20)}"`);
    if (column > MAX_COLUMNS) throw refuse(`has a cell past column XFD, Excel's last, in row ${row}`);
    if (column <= lastColumn)
      throw refuse(`has cell ${ref} after ${columnName(lastColumn)}${row}: cells out of order`);
    lastColumn = column;
    type = attributes.get('t') ?? 'n';
    const s = attributes.get('s');
    style = s === undefined ? 0 : Number(s);
    formula = false;
    value = inline = undefined;
    inCell = true;
  };

  const endCell = () => {
    inCell = false;
    const text = cellText();
    if (typeof text !== 'string') {
      throw new FileError(
        'E_XLSX_CELL',
        path,
        row,
        `cell ${columnName(column)}${row} on sheet "${context.sheet}" ${text.problem}`,
      );
    }
    if (text === '') return;
    size += text.length;
    if (size > MAX_RECORD_BYTES) {
      throw new FileError('E_RECORD_TOO_LARGE', path, row, 'this row holds more than 1 MB of text');
    }
    while (cells.length < column - 1) cells.push('');
    cells.push(text);
  };

  const cellText = (): string | CellProblem => {
    if (type === 'e') {
      const shown = (value ?? '').trim();
      (errors ??= []).push({ index: column - 1, address: `${columnName(column)}${row}`, value: shown });
      return shown;
    }
    if (type === 'inlineStr') return decodeEscapes(inline ?? value ?? '');
    if (value === undefined) {
      // A formula saved without its value: nothing says what the cell shows.
      return formula
        ? { problem: 'has a formula that was never calculated; open the file in Excel and save it again' }
        : '';
    }
    switch (type) {
      case 's': {
        if (value === '') return '';
        const text = strings.get(parseNumber(value, 0, value.length));
        if (text === undefined)
          throw refuse(`refers to shared string ${value.slice(0, 20)}, which is not in the workbook`);
        return text;
      }
      case 'str':
        return decodeEscapes(value);
      case 'b':
        return booleanText(value);
      case 'd':
        return isoDateText(value);
      default:
        return value === '' ? '' : numberText(value, dateStyles[style] === 1, date1904);
    }
  };

  return {
    get rows() {
      return rows;
    },
    take(): SheetRow[] {
      const batch = rows;
      rows = [];
      return batch;
    },
    open(name: string, attributes: XmlAttributes) {
      if (name === 'c') {
        if (row !== 0) startCell(attributes);
      } else if (name === 'v') {
        if (inCell) {
          inValue = true;
          value = '';
        }
      } else if (name === 'row') {
        if (row !== 0) throw refuse(`has a row inside row ${row}`);
        if (inSheetData) startRow(attributes.get('r'));
      } else if (name === 'f') formula = inCell;
      else if (name === 'is') inline = inCell ? '' : undefined;
      else if (name === 't') inText = inline !== undefined && !inPhonetic;
      else if (name === 'rPh') inPhonetic = true;
      else if (name === 'sheetData') inSheetData = true;
    },
    close(name: string) {
      if (name === 'v') inValue = false;
      else if (name === 'c') {
        if (inCell) endCell();
      } else if (name === 'row') {
        if (row !== 0 && !isBlank(cells)) rows.push({ type: 'row', row, cells, cellErrors: errors });
        row = 0;
      } else if (name === 't') inText = false;
      else if (name === 'rPh') inPhonetic = false;
      else if (name === 'sheetData') inSheetData = false;
    },
    text(text: string) {
      if (inValue) value += text;
      else if (inText) inline += text;
    },
  };
}
