/**
 * The text a CSV export of a sheet would hold for a cell's stored value, so both inputs validate the same
 * way. Numbers keep Excel's 15 significant digits and never use scientific notation; numbers formatted as
 * dates become `YYYY-MM-DD HH:MM:SS`; `_xHHHH_` escapes in strings are decoded.
 */

/** Why a cell cannot be read; the caller names the cell. */
export interface CellProblem {
  problem: string;
}

// Days from Excel's day 0 (1899-12-30 in the 1900 system) to 1970-01-01.
const EXCEL_EPOCH_DAYS = 25569;
const DAYS_1900_TO_1904 = 1462;
// Built-in number formats that show dates or times (ECMA-376 part 1, 18.8.30): 14-22 and 45-47.
const BUILT_IN_DATES = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47]);
// What the schema allows in a numeric cell's <v> (xsd:double without INF/NaN).
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A numeric cell's `<v>` as text: a number, or a date when its format shows one. */
export function numberText(raw: string, isDate: boolean, date1904: boolean): string | CellProblem {
  if (!isDate && isShortestDecimal(raw)) return raw;
  const value = Number(raw);
  if (!NUMBER.test(raw) || !Number.isFinite(value))
    return { problem: 'holds a number cake-bulk cannot read' };
  if (!isDate) return formatNumber(value);
  return serialDate(value, date1904) ?? { problem: 'holds a date out of range' };
}

/**
 * Whether formatNumber would give `raw` back unchanged, so the number need not be parsed and printed: a
 * plain decimal (no sign but `-`, no exponent, no leading or trailing zeros) of at most 15 significant
 * digits, from 0.000001 up (String() writes smaller numbers with an exponent). Most cells are like this.
 */
export function isShortestDecimal(raw: string): boolean {
  const n = raw.length;
  let i = raw.charCodeAt(0) === 45 ? 1 : 0;
  if (i >= n || n > 24) return false;
  const first = raw.charCodeAt(i);
  if (first === 46) return false;
  if (first === 48) {
    // "0" alone, or "0." and a fraction; "-0" is 0 to formatNumber.
    if (i + 1 === n) return i === 0;
    if (raw.charCodeAt(i + 1) !== 46) return false;
  }
  let dot = -1;
  let significant = 0;
  let zerosAfterPoint = 0;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46) {
      if (dot !== -1) return false;
      dot = i;
    } else if (c < 48 || c > 57) return false;
    else if (significant > 0 || c !== 48) significant++;
    else if (dot !== -1) zerosAfterPoint++;
  }
  if (dot !== -1 && (dot === n - 1 || raw.charCodeAt(n - 1) === 48)) return false;
  return significant > 0 && significant <= 15 && zerosAfterPoint <= 5;
}

/**
 * The date an Excel serial number stands for. In the 1900 system Excel counts 1900-02-29, a day that never
 * was (Lotus 1-2-3's bug, kept for compatibility): serials 1-59 are a day later than plain arithmetic from
 * day 0 says, and serial 60 is that day.
 */
export function serialDate(serial: number, date1904: boolean): string | undefined {
  const offset = date1904 ? DAYS_1900_TO_1904 : serial >= 1 && serial < 60 ? 1 : 0;
  // Rounded to the millisecond first, as exceljs did, so a value on a half-second reads as before.
  const text = formatDate(Math.round((serial - EXCEL_EPOCH_DAYS + offset) * 86_400_000));
  if (!date1904 && serial >= 60 && serial < 61 && text?.startsWith('1900-02-28')) {
    return `1900-02-29${text.slice(10)}`;
  }
  return text;
}

/** A `t="d"` cell's ISO 8601 value as `YYYY-MM-DD HH:MM:SS`. */
export function isoDateText(raw: string): string | CellProblem {
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2})?(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$/.exec(
    raw.trim(),
  );
  if (!match) return { problem: 'holds a date cake-bulk cannot read' };
  return `${match[1]} ${match[2] ?? '00:00'}${match[3] ?? ':00'}`;
}

/** A `t="b"` cell's value, as Excel writes it into a CSV. */
export function booleanText(raw: string): string | CellProblem {
  const value = raw.trim();
  if (value === '1' || value === 'true') return 'TRUE';
  if (value === '0' || value === 'false') return 'FALSE';
  return { problem: 'holds a value cake-bulk cannot read' };
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
  const seconds = Math.round(epochMs / 1000);
  const days = Math.floor(seconds / 86_400);
  const time = seconds - days * 86_400;
  // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days): plain
  // arithmetic, since a Date for every date cell showed in profiles.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  if (!Number.isFinite(year) || year < 0 || year > 9999) return undefined;
  const hours = Math.floor(time / 3600);
  const minutes = Math.floor((time % 3600) / 60);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} ${pad(hours, 2)}:${pad(minutes, 2)}:${pad(time % 60, 2)}`;
}

function pad(n: number, width: number): string {
  const text = String(n);
  return text.length >= width ? text : '0'.repeat(width - text.length) + text;
}

/** Whether a number format shows a date or time: a built-in date format, or a code with date tokens. */
export function isDateFormat(numFmtId: number, code: string | undefined): boolean {
  if (code === undefined) return BUILT_IN_DATES.has(numFmtId);
  // Date and time codes outside quoted text and [brackets] (colours, elapsed-time units, locales).
  return /[ymdhsb]/i.test(code.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

/**
 * OOXML writes characters XML cannot hold (a carriage return, say) as `_x000D_`; `_x005F_` is `_`. A
 * lone surrogate (`_xD800_`) is passed through as it is.
 */
export function decodeEscapes(text: string): string {
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
