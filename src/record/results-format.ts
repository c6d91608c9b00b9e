import {
  ROW_STATUSES,
  UPDATE_FIELDS,
  type BeforeValues,
  type RowOutcome,
  type RowStatus,
  type SourceRow,
} from '../types.js';
import { protectCell, restoreCell } from './csv-safe.js';

/** Columns cake-bulk adds after the input's own; `row` comes first. */
export const OUTCOME_COLUMNS = [
  'status',
  'error_code',
  'error',
  'http_status',
  'attempts',
  'duration_ms',
] as const;
export const RESULT_OFFER_COLUMNS = UPDATE_FIELDS.map((field) => `result_${field}`);
/** What the offer held before the run, and the money fields' change in percent (read from List Offers). */
export const BEFORE_COLUMNS = [
  ...UPDATE_FIELDS.map((field) => `before_${field}`),
  'payout_change_pct',
  'revenue_change_pct',
];
/** Results files written before the before_* columns existed: still read by rerun. */
const LEGACY_TRAILING: readonly string[] = [...OUTCOME_COLUMNS, ...RESULT_OFFER_COLUMNS];
export const TRAILING_COLUMNS: readonly string[] = [...LEGACY_TRAILING, ...BEFORE_COLUMNS];

export function resultHeader(inputColumns: readonly string[]): string[] {
  return ['row', ...inputColumns.map(protectCell), ...TRAILING_COLUMNS];
}

/** The start of a results line: the row number, then the input cells as given. */
export function resultHead(source: SourceRow): string[] {
  return [String(source.row), ...source.cells.map(protectCell)];
}

/** The end of a results line: how the row ended. Rows that ended alike share it. */
export function resultTail(outcome: RowOutcome): string[] {
  const offer = outcome.offer ?? {};
  const before = outcome.before;
  return [
    outcome.status,
    outcome.errorCode,
    protectCell(outcome.error),
    outcome.httpStatus === undefined ? '' : String(outcome.httpStatus),
    String(outcome.attempts),
    String(outcome.durationMs),
    ...UPDATE_FIELDS.map((field) => protectCell(offer[field] ?? '')),
    ...UPDATE_FIELDS.map((field) => protectCell(before?.fields[field] ?? '')),
    before?.payoutChangePct ?? '',
    before?.revenueChangePct ?? '',
  ];
}

/** How many columns a results header adds after the input's: the current format's, or the older one's; 0 when neither. */
export function trailingWidth(header: readonly string[]): number {
  for (const trailing of [TRAILING_COLUMNS, LEGACY_TRAILING]) {
    if (header.length < 1 + trailing.length || header[0] !== 'row') continue;
    const tail = header.slice(header.length - trailing.length);
    if (tail.every((name, i) => name === trailing[i])) return trailing.length;
  }
  return 0;
}

/** True when a header row is a cake-bulk results header, i.e. the file can be given to `rerun`. */
export function isResultHeader(header: readonly string[]): boolean {
  return trailingWidth(header) > 0;
}

/**
 * Splits a results line back into the input cells and the earlier outcome (its before-values included:
 * a rerun keeps those of the first attempt). `width` is the header's `trailingWidth`. Undefined when malformed.
 */
export function parseResultRecord(
  cells: readonly string[],
  width: number = TRAILING_COLUMNS.length,
): { row: number; inputCells: string[]; outcome: RowOutcome } | undefined {
  const tailStart = cells.length - width;
  // Digits only, no sign, exponent or padding: a row number is where the row sits in the original sheet.
  const rowCell = cells[0] ?? '';
  const row = /^[1-9]\d{0,15}$/.test(rowCell) ? Number(rowCell) : NaN;
  const status = cells[tailStart] as RowStatus;
  if (!Number.isSafeInteger(row) || !(ROW_STATUSES as readonly string[]).includes(status)) return undefined;
  const tail = cells.slice(tailStart);
  const offer: Record<string, string> = {};
  UPDATE_FIELDS.forEach((field, i) => {
    const value = restoreCell(tail[OUTCOME_COLUMNS.length + i] ?? '');
    if (value !== '') offer[field] = value;
  });
  const http = tail[3] ?? '';
  return {
    row,
    inputCells: cells.slice(1, tailStart).map(restoreCell),
    outcome: {
      status,
      errorCode: tail[1] ?? '',
      error: restoreCell(tail[2] ?? ''),
      httpStatus: http === '' ? undefined : Number(http),
      attempts: Number(tail[4] ?? 0) || 0,
      durationMs: Number(tail[5] ?? 0) || 0,
      offer,
      before: width === TRAILING_COLUMNS.length ? readBefore(tail.slice(LEGACY_TRAILING.length)) : undefined,
    },
  };
}

/** The before_* cells of a results line; undefined when the run did not read current values. */
function readBefore(cells: readonly string[]): BeforeValues | undefined {
  const fields: BeforeValues['fields'] = {};
  UPDATE_FIELDS.forEach((field, i) => {
    const value = restoreCell(cells[i] ?? '');
    if (value !== '') fields[field] = value;
  });
  if (Object.keys(fields).length === 0) return undefined;
  return {
    fields,
    payoutChangePct: cells[UPDATE_FIELDS.length] ?? '',
    revenueChangePct: cells[UPDATE_FIELDS.length + 1] ?? '',
  };
}
