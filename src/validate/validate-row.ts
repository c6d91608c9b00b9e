import {
  OFFER_STATUSES,
  type CellError,
  type OfferStatus,
  type UpdateField,
  type UpdateRequest,
} from '../types.js';
import type { ColumnMap } from './columns.js';

export type Validation = { ok: true; request: UpdateRequest } | { ok: false; code: string; message: string };

const MAX_OFFER_ID = 2_147_483_647;
const DECIMAL = /^(?:\d{1,12}(?:\.\d{0,4})?|\.\d{1,4})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
/**
 * Characters no offer name needs that change how text looks: C1 controls such as U+0085, format
 * characters such as U+202E (a right-to-left override that disguises a name) and zero-width ones, line
 * and paragraph separators, and an unpaired surrogate (half a character, from a workbook's `_xD800_`).
 */
const HIDDEN_CHAR =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** A field check's verdict: the value to send, or what is wrong with the cell. */
type Check<T> = { value: T } | { problem: string };

/** The offer id a cell holds, or undefined when it is not a valid one (checkOfferId says why). */
export function parseOfferId(raw: string): number | undefined {
  const value = raw.trim();
  if (!/^\d+$/.test(value)) return undefined;
  const id = Number(value);
  return id >= 1 && id <= MAX_OFFER_ID ? id : undefined;
}

function checkOfferId(raw: string): Check<number> {
  const id = parseOfferId(raw);
  if (id !== undefined) return { value: id };
  const value = raw.trim();
  if (/^\d+$/.test(value)) return { problem: `must be a whole number from 1 to ${MAX_OFFER_ID}` };
  if (/^\d+(?:[.,]\d+)?e\+?\d+$/i.test(value)) {
    return {
      problem:
        'is in scientific notation, so the spreadsheet has rounded the id; format the column as Text or Number with 0 decimals and export again',
    };
  }
  if (/^\d+\.0+$/.test(value)) return { problem: 'must be a whole number without decimals, e.g. 1234' };
  return { problem: 'must be a whole number (digits only), e.g. 1234' };
}

function checkMoney(raw: string): Check<number> {
  const value = raw.trim();
  if (DECIMAL.test(value)) return { value: Number(value) };
  const allowed = 'use a plain non-negative decimal with up to 4 decimal places, e.g. 12.5';
  if (/^-/.test(value)) return { problem: `must not be negative; ${allowed}` };
  if (/[$€£¥]|^[A-Z]{3}\s|\s[A-Z]{3}$/.test(value))
    return { problem: `remove the currency symbol; ${allowed}` };
  if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(value))
    return { problem: `remove the thousands separators; ${allowed}` };
  if (/^\d+,\d+$/.test(value)) {
    return {
      problem: `has a decimal comma; write it with a dot (e.g. ${value.replace(',', '.')}); ${allowed}`,
    };
  }
  if (/^\d+\.\d{5,}$/.test(value)) return { problem: `has more than 4 decimal places; ${allowed}` };
  if (/%$/.test(value)) return { problem: `is a percentage; ${allowed}` };
  return { problem: `is not a number; ${allowed}` };
}

function checkStatus(raw: string): Check<OfferStatus> {
  const value = raw.trim().toLowerCase();
  if ((OFFER_STATUSES as readonly string[]).includes(value)) return { value: value as OfferStatus };
  return { problem: `must be one of ${OFFER_STATUSES.join(', ')} (any case)` };
}

/** What Excel writes into a CSV for a formula that failed; never a real offer name. */
const EXCEL_ERROR = /^#(N\/A|VALUE!|REF!|DIV\/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$/i;

function checkName(raw: string): Check<string> {
  const value = raw.trim();
  if (EXCEL_ERROR.test(value))
    return { problem: 'is a spreadsheet formula error, not a name; fix the formula and export again' };
  if (CONTROL_CHARS.test(value))
    return { problem: 'contains a control character (line break or tab); remove it' };
  const hidden = HIDDEN_CHAR.exec(value);
  if (hidden) {
    const code = hidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const what = /[\ud800-\udfff]/.test(hidden[0])
      ? 'half of a character pair (a broken character)'
      : 'an invisible control or formatting character';
    return { problem: `contains ${what}, U+${code}, that changes how the name displays; remove it` };
  }
  if (value.length > 255) return { problem: 'is longer than 255 characters' };
  return { value };
}

function checkDate(raw: string): Check<string> {
  const value = raw.trim();
  const allowed = 'use YYYY-MM-DD HH:MM:SS, e.g. 2026-12-31 23:59:59';
  const match = DATE_TIME.exec(value);
  if (!match) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return { problem: `has no time; ${allowed}` };
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return { problem: `use a space instead of "T"; ${allowed}` };
    if (/^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}/.test(value))
      return { problem: `is in a regional date format; ${allowed}` };
    return { problem: `is not a date-time; ${allowed}` };
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i])) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const real = mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h < 24 && mi < 60 && s < 60;
  if (!real) return { problem: `is not a real calendar date-time; ${allowed}` };
  return { value };
}

/** What the formula errors in the columns that are read say, or undefined when there are none there. */
function cellErrorProblems(cellErrors: readonly CellError[], columns: ColumnMap): string | undefined {
  const problems: string[] = [];
  for (const { index, address, value } of cellErrors) {
    const column =
      index === columns.offerId ? 'offer_id' : columns.fields.find((f) => f.index === index)?.field;
    if (column === undefined) continue;
    const what = value === '' ? 'a formula error' : `the formula error ${value}`;
    problems.push(`cell ${address} holds ${what} (column ${column})`);
  }
  return problems.length === 0 ? undefined : `${problems.join('; ')}; fix the formula and export again`;
}

/** Gregorian calendar; plain arithmetic because a Date per row showed up in the dry-run profile. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Each field's code and check, in the order their problems are listed. */
const FIELD_CHECKS: ReadonlyArray<{
  field: UpdateField;
  code: string;
  check: (raw: string) => Check<unknown>;
}> = [
  { field: 'offer_name', code: 'E_OFFER_NAME', check: checkName },
  { field: 'offer_status', code: 'E_OFFER_STATUS', check: checkStatus },
  { field: 'payout', code: 'E_PAYOUT', check: checkMoney },
  { field: 'revenue', code: 'E_REVENUE', check: checkMoney },
  { field: 'expiration_date', code: 'E_EXPIRATION_DATE', check: checkDate },
];

/**
 * Turns one row's cells into an update request. Empty cells mean "leave this field alone" and are left
 * out of the request; every problem names the column, the value and what is allowed. The first problem's
 * code is the row's. A formula error (`cellErrors`, from an .xlsx) in offer_id or a field column makes
 * the row E_CELL_ERROR; one in a column cake-bulk does not read is only carried as its text.
 */
export function validateRow(
  cells: readonly string[],
  columns: ColumnMap,
  cellErrors?: readonly CellError[],
): Validation {
  if (cellErrors !== undefined) {
    const failed = cellErrorProblems(cellErrors, columns);
    if (failed) return { ok: false, code: 'E_CELL_ERROR', message: failed };
  }
  const idCell = cells[columns.offerId] ?? '';
  if (idCell.trim() === '') {
    return {
      ok: false,
      code: 'E_OFFER_ID',
      message: 'offer_id is empty; every row needs the offer id to update',
    };
  }
  let code: string | undefined;
  const problems: string[] = [];
  const fail = (failed: string, column: string, raw: string, problem: string) => {
    code ??= failed;
    problems.push(`${column} ${JSON.stringify(raw)}: ${problem}`);
  };
  const id = checkOfferId(idCell);
  if ('problem' in id) fail('E_OFFER_ID', 'offer_id', idCell, id.problem);
  const request: Record<string, unknown> = { offer_id: 'value' in id ? id.value : 0 };
  let changes = 0;
  for (const { field: name, check, code: fieldCode } of FIELD_CHECKS) {
    const index = columns.indexOf[name];
    if (index === undefined) continue;
    const cell = cells[index] ?? '';
    if (cell.trim() === '') continue;
    changes++;
    const result = check(cell);
    if ('value' in result) request[name] = result.value;
    else fail(fieldCode, name, cell, result.problem);
  }
  if (code !== undefined) return { ok: false, code, message: problems.join('; ') };
  if (changes === 0) {
    const names = columns.fields.map((f) => f.field).join(', ');
    return { ok: false, code: 'E_NO_CHANGES', message: `nothing to change: all of ${names} are empty` };
  }
  return { ok: true, request: request as unknown as UpdateRequest };
}
