import { MAX_ROWS } from './row-array.js';

/**
 * Every stable error code cake-bulk uses, once, with what it means. Row codes end up in the results file's
 * `error_code` column; run codes come with a one-line message and exit code 2 (see errors.ts). The README's
 * table and the tests are checked against this table.
 *
 * `kind` says what a person does about it:
 * - `invalid`: the row's cells need fixing (edit them, in the results file too, and rerun);
 * - `transient`: worth sending again as it is (`rerun`, or `--resume` after a stop);
 * - `permanent`: CAKE refused it for a reason a rerun will not change (fix the row or the offer first);
 * - `stopped`: the run stopped before or while sending this row (`--resume` or `rerun` sends it);
 * - `run`: the whole run was refused or stopped (nothing of it, or nothing more, was sent).
 */
export const CODES = {
  // Row checks (status `invalid`).
  E_OFFER_ID: { kind: 'invalid', meaning: 'offer_id is empty or not a whole number from 1 to 2147483647' },
  E_OFFER_NAME: {
    kind: 'invalid',
    meaning: 'offer_name is not usable text (control characters, too long, a formula error)',
  },
  E_OFFER_STATUS: { kind: 'invalid', meaning: 'offer_status is not active, inactive or pending' },
  E_PAYOUT: {
    kind: 'invalid',
    meaning: 'payout is not a plain non-negative decimal with up to 4 decimal places',
  },
  E_REVENUE: {
    kind: 'invalid',
    meaning: 'revenue is not a plain non-negative decimal with up to 4 decimal places',
  },
  E_EXPIRATION_DATE: {
    kind: 'invalid',
    meaning: 'expiration_date is not a real YYYY-MM-DD HH:MM:SS date-time',
  },
  E_NO_CHANGES: { kind: 'invalid', meaning: 'every field cell of the row is empty: nothing to change' },
  E_DUPLICATE_OFFER_ID: { kind: 'invalid', meaning: 'the same offer_id is on another row of the file' },
  E_CELL_ERROR: {
    kind: 'invalid',
    meaning: 'an .xlsx cell that offer_id or a field is read from holds a formula error (#DIV/0!, #N/A)',
  },
  // Guardrails (status `blocked`): fix the value, or change the guard with its flag.
  E_GUARD_CHANGE: {
    kind: 'invalid',
    meaning: 'payout or revenue moves by more than --max-change percent, or from or to 0',
  },
  E_GUARD_MARGIN: {
    kind: 'invalid',
    meaning: 'the offer would pay out more than it earns (--allow-negative-margin permits it)',
  },
  E_GUARD_EXPIRED: {
    kind: 'invalid',
    meaning: 'the row makes an offer active whose expiration_date is in the past',
  },
  // Read from List Offers before sending.
  E_NOT_FOUND: {
    kind: 'permanent',
    meaning: 'status not_found: List Offers does not return this offer id; not sent',
  },
  E_NOT_READ: {
    kind: 'transient',
    meaning: "the offer's current values could not be read, so the row was not sent",
  },
  // Rows not sent because of the file or the run (status `skipped`).
  E_FILE_HAS_INVALID_ROWS: {
    kind: 'stopped',
    meaning: 'not sent: other rows are invalid and --skip-invalid was not given',
  },
  E_STOPPED_INTERRUPTED: {
    kind: 'stopped',
    meaning: 'not sent: the run was interrupted (Ctrl-C, SIGTERM, SIGHUP)',
  },
  E_STOPPED_ABORTED: { kind: 'stopped', meaning: 'not sent: the run was aborted (a second Ctrl-C)' },
  E_STOPPED_AUTH: { kind: 'stopped', meaning: 'not sent: the API rejected the key, so the run stopped' },
  E_STOPPED_CIRCUIT: {
    kind: 'stopped',
    meaning: 'not sent: the server kept failing, so the run stopped (circuit breaker)',
  },
  E_ABORTED: {
    kind: 'stopped',
    meaning: 'aborted in flight by a second Ctrl-C: the update may or may not have been applied',
  },
  // Sending (status `failed`).
  E_HTTP: {
    kind: 'transient',
    meaning: 'E_HTTP_<status>: the server answered that HTTP status (408, 425, 429 and 5xx are retried)',
  },
  E_TIMEOUT: { kind: 'transient', meaning: 'no complete answer within --timeout' },
  E_CONNECT_REFUSED: { kind: 'transient', meaning: 'the connection was refused' },
  E_CONNECT_TIMEOUT: { kind: 'transient', meaning: 'the connection could not be made in time' },
  E_CONNECTION_RESET: {
    kind: 'transient',
    meaning: 'the connection was reset before the answer was complete',
  },
  E_NETWORK: { kind: 'transient', meaning: 'another network failure (DNS, routing)' },
  E_BAD_RESPONSE: { kind: 'transient', meaning: "the answer is not CAKE's JSON" },
  E_THROTTLED: { kind: 'transient', meaning: 'CAKE answered with its throttling message' },
  E_API_FAILURE: {
    kind: 'permanent',
    meaning: 'CAKE answered with a request_status other than Success (its message is in error)',
  },
  E_ECHO_MISMATCH: {
    kind: 'permanent',
    meaning: 'CAKE answered Success but its offer differs from what was sent',
  },
  E_AUTH: {
    kind: 'run',
    meaning: 'the API rejected the key (HTTP 401/403 or its invalid-key message); the run stopped',
  },
  // Run-level refusals (exit code 2, nothing or nothing more sent).
  E_USAGE: { kind: 'run', meaning: 'a flag or option value is wrong' },
  E_UNEXPECTED: {
    kind: 'run',
    meaning: 'an error cake-bulk did not foresee (a bug: please report it with CAKE_BULK_DEBUG=1)',
  },
  E_NO_API_KEY: { kind: 'run', meaning: 'no API key: CAKE_API_KEY or --api-key-file' },
  E_NO_BASE_URL: { kind: 'run', meaning: 'no CAKE base URL: --base-url or CAKE_BASE_URL' },
  E_INSECURE_URL: { kind: 'run', meaning: 'http:// to a host other than this machine' },
  E_URL_CREDENTIALS: { kind: 'run', meaning: '--base-url holds a user name, password, query or fragment' },
  E_API_KEY: { kind: 'run', meaning: 'the API key is too short or holds white space or control characters' },
  E_TLS: { kind: 'run', meaning: "the server's TLS certificate was refused; the run stopped" },
  E_STOPPED_TLS: {
    kind: 'stopped',
    meaning: "not sent: the server's TLS certificate was refused, so the run stopped",
  },
  E_FILE_READ: {
    kind: 'run',
    meaning: 'the input cannot be read (missing, a directory, not a regular file)',
  },
  E_EMPTY_FILE: { kind: 'run', meaning: 'the input has no header row' },
  E_BINARY: { kind: 'run', meaning: 'the input is not a text file (NUL or control bytes)' },
  E_ENCODING: { kind: 'run', meaning: 'the input has bytes that are not valid in its encoding' },
  E_UNCLOSED_QUOTE: { kind: 'run', meaning: 'a quoted CSV value is never closed' },
  E_RECORD_TOO_LARGE: { kind: 'run', meaning: 'a record is larger than 1,000,000 characters' },
  E_TOO_MANY_FIELDS: { kind: 'run', meaning: 'a row has more non-empty cells than the header has columns' },
  E_TOO_MANY_ROWS: {
    kind: 'run',
    meaning: `the input has more than ${MAX_ROWS.toLocaleString('en-US')} data rows: split it`,
  },
  E_UNCLEAR_HEADER: {
    kind: 'run',
    meaning: 'a header looks like a field, or could mean two, and is not mapped: rename it or --map it',
  },
  E_DUPLICATE_COLUMN: { kind: 'run', meaning: 'a known column is in the header twice' },
  E_NO_OFFER_ID: { kind: 'run', meaning: 'the header has no offer_id column' },
  E_NO_FIELDS: { kind: 'run', meaning: 'the header has offer_id but no field to change' },
  E_XLS: { kind: 'run', meaning: 'an Excel 97-2003 .xls (or password-protected) workbook' },
  E_ODS: { kind: 'run', meaning: 'an OpenDocument .ods spreadsheet' },
  E_XLSX: { kind: 'run', meaning: 'the .xlsx workbook is damaged or not a workbook' },
  E_XLSX_CELL: {
    kind: 'run',
    meaning: 'a workbook cell cannot be read as text (a formula never calculated, a number that is not one)',
  },
  E_NOT_WORKBOOK: { kind: 'run', meaning: '--sheet given for a CSV file' },
  E_SHEET_NOT_FOUND: { kind: 'run', meaning: 'no sheet by that name in the workbook' },
  E_NOT_RESULTS: { kind: 'run', meaning: 'rerun was given a file that is not a cake-bulk results file' },
  E_BAD_RESULTS_ROW: { kind: 'run', meaning: 'a line of the results file is not a results row' },
  E_OUTPUT: {
    kind: 'run',
    meaning: 'an output file cannot be created or written (permissions, a full disk)',
  },
  E_OUTPUT_EXISTS: { kind: 'run', meaning: 'the results file exists: --out, --resume or --force' },
  E_LOCKED: { kind: 'run', meaning: 'another cake-bulk run is writing the same results file' },
  E_SAME_FILE: { kind: 'run', meaning: 'an output path is the input, or the same file as another output' },
  E_JOURNAL_EXISTS: { kind: 'run', meaning: 'an interrupted run left its journal: --resume or --force' },
  E_JOURNAL: { kind: 'run', meaning: 'the journal beside the results file is not a cake-bulk journal' },
  E_CATALOG: { kind: 'run', meaning: 'sandbox: a --catalog file cannot be read' },
  E_RERUN_INTERRUPTED: { kind: 'run', meaning: 'the newest rerun of this file was interrupted: --resume it' },
  E_NOTHING_TO_RESUME: { kind: 'run', meaning: '--resume found no journal' },
  E_RESUME_MISMATCH: {
    kind: 'run',
    meaning: '--resume: the sheet, delimiter, columns or mapping differ from the interrupted run',
  },
  E_INPUT_CHANGED: { kind: 'run', meaning: '--resume: the input is not the one the interrupted run read' },
} as const satisfies Record<string, { kind: CodeKind; meaning: string }>;

export type CodeKind = 'invalid' | 'transient' | 'permanent' | 'stopped' | 'run';
export type ErrorCode = keyof typeof CODES;

/** `E_HTTP_503` and the like: one family in the table. */
export function httpCode(status: number): string {
  return `E_HTTP_${status}`;
}

/** The table entry of a code, `E_HTTP_<status>` included; undefined for a code not in the table. */
export function describeCode(code: string): { kind: CodeKind; meaning: string } | undefined {
  if (/^E_HTTP_\d{3}$/.test(code)) {
    const status = Number(code.slice(7));
    return {
      ...CODES.E_HTTP,
      kind: status === 429 || status === 408 || status === 425 || status >= 500 ? 'transient' : 'permanent',
    };
  }
  return (CODES as Record<string, { kind: CodeKind; meaning: string }>)[code];
}
