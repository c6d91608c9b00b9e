import { ROW_STATUSES, UPDATE_FIELDS, type RowOutcome, type RowStatus, type SourceRow } from '../types.js';
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
export const TRAILING_COLUMNS: readonly string[] = [...OUTCOME_COLUMNS, ...RESULT_OFFER_COLUMNS];

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
  return [
    outcome.status,
    outcome.errorCode,
    protectCell(outcome.error),
    outcome.httpStatus === undefined ? '' : String(outcome.httpStatus),
    String(outcome.attempts),
    String(outcome.durationMs),
    ...UPDATE_FIELDS.map((field) => protectCell(offer[field] ?? '')),
  ];
}

/** True when a header row is a cake-bulk results header, i.e. the file can be given to `rerun`. */
export function isResultHeader(header: readonly string[]): boolean {
  if (header.length < 1 + TRAILING_COLUMNS.length || header[0] !== 'row') return false;
  const tail = header.slice(header.length - TRAILING_COLUMNS.length);
  return tail.every((name, i) => name === TRAILING_COLUMNS[i]);
}

/** Splits a results line back into the input cells and the earlier outcome. Returns undefined when malformed. */
export function parseResultRecord(
  cells: readonly string[],
): { row: number; inputCells: string[]; outcome: RowOutcome } | undefined {
  const tailStart = cells.length - TRAILING_COLUMNS.length;
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
    },
  };
}
