/**
 * Statuses a row can end with, in the order the summary lists them. `unchanged`, `blocked` and `not_found`
 * come from reading the current values; `change` is a plan's word for a row that would be sent.
 */
export const ROW_STATUSES = [
  'updated',
  'unchanged',
  'change',
  'failed',
  'invalid',
  'blocked',
  'not_found',
  'skipped',
  'dry_run',
] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

/** A count for every status, each from 0. */
export function zeroCounts(): Record<RowStatus, number> {
  return Object.fromEntries(ROW_STATUSES.map((status) => [status, 0])) as Record<RowStatus, number>;
}

export const OFFER_STATUSES = ['active', 'inactive', 'pending'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];

/** The fields a spreadsheet can change, in result-column order. */
export const UPDATE_FIELDS = ['offer_name', 'offer_status', 'payout', 'revenue', 'expiration_date'] as const;
export type UpdateField = (typeof UPDATE_FIELDS)[number];

/** One update_offer call, without the api key (added only at the moment of sending). */
export interface UpdateRequest {
  offer_id: number;
  offer_name?: string;
  offer_status?: OfferStatus;
  payout?: number;
  revenue?: number;
  expiration_date?: string;
}

/** What the server said the offer looks like after the update, as text. */
export type ResultOffer = Partial<Record<UpdateField, string>>;

/** A cell whose formula failed: what it shows (`#DIV/0!`) is its text, and this says where. */
export interface CellError {
  /** Index into the row's `cells`. */
  index: number;
  /** The cell's address on its sheet, e.g. `C5`. */
  address: string;
  /** The error Excel shows in the cell, e.g. `#DIV/0!`. */
  value: string;
}

/** A row read from the input, before validation. */
export interface SourceRow {
  /** Position among data rows, from 0; results are written in this order. */
  seq: number;
  /** Spreadsheet line the record starts on (header = 1). Carried over unchanged by rerun. */
  row: number;
  /** Cells of the input columns, exactly as given. */
  cells: string[];
  /** Cells of an .xlsx row whose formula failed (`#DIV/0!`): their text is in `cells`, this says where. */
  cellErrors?: CellError[] | undefined;
  /** Set when reading a results file: what the earlier run recorded. */
  prior?: PriorResult;
}

export interface PriorResult {
  status: RowStatus;
  record: RowOutcome;
}

/** How a row ended; the recorder turns it into one results line. */
export interface RowOutcome {
  status: RowStatus;
  errorCode: string;
  error: string;
  httpStatus: number | undefined;
  attempts: number;
  durationMs: number;
  offer: ResultOffer | undefined;
  /** What the offer held before, for the fields the row sets; absent when current values were not read. */
  before?: BeforeValues | undefined;
}

/**
 * An offer's values before the run, as List Offers reported them, for the fields a row sets: the value as
 * text, or `unknown` when the API does not report that field. Change percentages for payout and revenue.
 */
export interface BeforeValues {
  fields: Partial<Record<UpdateField, string>>;
  payoutChangePct: string;
  revenueChangePct: string;
}

/** What List Offers reports of an offer now; a field it does not report is absent (unknown, not empty). */
export interface CurrentOffer {
  offer_name?: string;
  offer_status?: string;
  payout?: number;
  revenue?: number;
  expiration_date?: string;
}

/**
 * The outcome of one HTTP attempt, as the CAKE stage classifies an answer (or the send stage a failure to
 * get one). Only `retryable` outcomes are tried again.
 */
export type AttemptResult =
  | {
      kind: 'success';
      httpStatus: number;
      offer: ResultOffer;
      mismatches: string[];
      /** What a read brought back (a List Offers page), for the caller. */
      payload?: unknown;
    }
  | {
      kind: 'retryable';
      code: string;
      message: string;
      httpStatus: number | undefined;
      retryAfterMs: number | undefined;
      throttled: boolean;
    }
  | { kind: 'rejected'; code: string; message: string; httpStatus: number | undefined }
  /** The whole run must stop: the key was rejected (E_AUTH) or the server's certificate was (E_TLS). */
  | { kind: 'fatal'; code: 'E_AUTH' | 'E_TLS'; message: string; httpStatus: number | undefined }
  | { kind: 'aborted'; code: 'E_ABORTED'; message: string };

/** A complete HTTP answer: status, headers (lower-case names) and the body as text. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body, or '' when it was larger than the limit (and not read further). */
  text: string;
}

/** One HTTP request as the CAKE stage words it; the send stage puts it on the wire. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. `/api/2/update_offer.json`. */
  path: string;
  /** JSON text for a POST. */
  body?: string;
}
