/** What the page keeps about a run in its folder's `run.json`, beside the files the library writes. */

/** The guardrails a plan and its send use; the page's form changes them and plans again. */
export interface GuardSettings {
  /** Largest payout or revenue change allowed, in percent, or `off`. */
  maxChangePct: number | 'off';
  allowNegativeMargin: boolean;
  /** Allow a row to make an offer active whose expiration date is past. */
  allowExpired?: boolean;
}

export const DEFAULT_SETTINGS: GuardSettings = {
  maxChangePct: 50,
  allowNegativeMargin: false,
  allowExpired: false,
};

/** The statuses a plan sorts rows into, in the order the page shows them (`failed`: its offer could not be read). */
export const PLAN_STATUSES = ['change', 'unchanged', 'invalid', 'blocked', 'not_found', 'failed'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export interface Move {
  row: number;
  offerId: number | string;
  before: string | number;
  after: string | number;
  changePct?: string | number;
}

/** A plan, as the review page needs it: `planBulk`'s result, kept so the page is not planned again per view. */
export interface PlanSummary {
  planned: string;
  total: number;
  counts: Record<PlanStatus, number>;
  carried: number;
  /** Rows the send would send. */
  sendable: number;
  /** Whether the current values were read from CAKE (else the plan has no `before` values). */
  readCurrent: boolean;
  /** The input's header, as given. */
  columns: string[];
  /** Each header read as a field. */
  fields: Array<{ header: string; field: string }>;
  problems: Array<{ row: number; code: string; message: string }>;
  moves?: Record<string, { up: Move[]; down: Move[] }>;
  statusChanges?: Array<{ from: string; to: string; rows: number }>;
  /** Fields a changing row sets whose value before CAKE does not report: the undo file cannot restore them. */
  unknownBefore: number;
  /** Rows whose offer already pays out more than it earns. */
  losses: number;
  warnings: string[];
}

/** How a send ended. */
export interface RunSummary {
  counts: Record<string, number>;
  stopped?: string | undefined;
  exitCode?: number | undefined;
  durationMs?: number | undefined;
  finished?: string | undefined;
  /** Rows by error code, for rows not updated. */
  codes?: Record<string, number>;
}

export interface RunMeta {
  created: string;
  /** Made by this page, or a folder a person made with the CLI. */
  source: 'page' | 'cli';
  /** An upload, a rerun of another run's failed rows, or the undo of another run. */
  kind: 'upload' | 'rerun' | 'undo';
  /** The run this one reruns or undoes. */
  parent?: string;
  /** The uploaded file's name, for display only: no path is ever made from it. */
  uploadName?: string;
  /** How the library reads the input: a sheet, or a results file whose failed rows are sent again. */
  mode: 'apply' | 'rerun';
  settings: GuardSettings;
  plan?: PlanSummary;
  result?: RunSummary;
  /** The last run-level refusal (scrubbed of the key), shown on the run's page. */
  error?: string;
}
