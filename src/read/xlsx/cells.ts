/**
 * Turns a cell of an .xlsx sheet (as exceljs reads it) into the text a CSV export of that sheet would
 * hold, so both inputs validate the same way. Numbers keep Excel's 15 significant digits and never use
 * scientific notation; date cells become `YYYY-MM-DD HH:MM:SS`.
 */

export interface CellContext {
  /** The workbook counts days from 1904 (old Mac Excel) instead of 1900. */
  date1904: boolean;
}

/** Why a cell cannot be read; the caller names the cell. */
export interface CellProblem {
  problem: string;
}

// Days from Excel's day 0 (1899-12-30 in the 1900 system) to 1970-01-01.
const EXCEL_EPOCH_DAYS = 25569;
const DAYS_1900_TO_1904 = 1462;

export function cellText(
  value: unknown,
  numFmt: string | undefined,
  context: CellContext,
): string | CellProblem {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return decodeEscapes(value);
  if (typeof value === 'number') {
    return Number.isFinite(value) ? formatNumber(value) : { problem: 'holds a number cake-bulk cannot read' };
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return formatDate(value.getTime()) ?? { problem: 'holds a date out of range' };
  if (typeof value !== 'object') return { problem: 'holds a value cake-bulk cannot read' };
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.richText))
    return decodeEscapes(v.richText.map((run: { text?: string }) => run.text ?? '').join(''));
  if ('error' in v)
    return { problem: `shows the error ${String(v.error)}; fix the formula or clear the cell` };
  if ('formula' in v || 'sharedFormula' in v) return formulaText(v.result, numFmt, context);
  if ('hyperlink' in v) return cellText(v.text, numFmt, context);
  return { problem: 'holds a value cake-bulk cannot read' };
}

function formulaText(
  result: unknown,
  numFmt: string | undefined,
  context: CellContext,
): string | CellProblem {
  // exceljs gives no result for an error value (#N/A, #VALUE!) and NaN for some; a formula also has no
  // saved value when a program wrote the file without calculating it. Either way there is nothing to send.
  if (result === undefined || result === null || Number.isNaN(result)) {
    return {
      problem:
        'has a formula whose value is an error (such as #N/A) or was never calculated; fix the formula, or open and save the file in Excel',
    };
  }
  if (typeof result === 'number' && isDateFormat(numFmt)) {
    const days = result - EXCEL_EPOCH_DAYS + (context.date1904 ? DAYS_1900_TO_1904 : 0);
    return formatDate(days * 86_400_000) ?? { problem: 'holds a date out of range' };
  }
  return cellText(result, undefined, context);
}

/**
 * The shortest text that reads back as the number Excel shows: rounded to Excel's 15 significant
 * digits (so a formula's 0.30000000000000004 is 0.3), never in scientific notation.
 */
export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(15));
  const text = String(rounded === 0 ? 0 : rounded);
  return text.includes('e') ? expandExponent(text) : text;
}

function expandExponent(text: string): string {
  const [mantissa = '', exponent = '0'] = text.split('e');
  const negative = mantissa.startsWith('-');
  const unsigned = negative ? mantissa.slice(1) : mantissa;
  const dot = unsigned.indexOf('.');
  const digits = unsigned.replace('.', '');
  const point = (dot === -1 ? unsigned.length : dot) + Number(exponent);
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}

/** `YYYY-MM-DD HH:MM:SS`, rounded to the second: Excel stores times as fractions of a day. */
export function formatDate(epochMs: number): string | undefined {
  const date = new Date(Math.round(epochMs / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) return undefined;
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${String(year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}

/** Same rule as exceljs uses for plain cells: date/time codes outside quotes and [brackets]. */
function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  return /[ymdhsb]/i.test(numFmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/** OOXML writes characters XML cannot hold (a carriage return, say) as `_x000D_`; `_x005F_` is `_`. */
function decodeEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Column letters for a 1-based column number: 1 -> A, 27 -> AA. */
export function columnName(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
