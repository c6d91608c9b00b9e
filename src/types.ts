/** Statuses a row can end with. */
export type RowStatus = 'updated' | 'failed' | 'invalid' | 'skipped' | 'dry_run';

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

/** What the server said the offer looks like after the update. */
export type ResultOffer = Partial<Record<UpdateField, string>>;

/** A row read from the input, before validation. */
export interface SourceRow {
  /** Position among data rows, from 0; results are written in this order. */
  seq: number;
  /** Spreadsheet line the record starts on (header = 1). Carried over unchanged by rerun. */
  row: number;
  /** Cells of the input columns, exactly as given. */
  cells: string[];
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
}
