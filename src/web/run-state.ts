import { applyBulk, describeError, type BulkOptions, type BulkResult } from '../index.js';
import type { RunInfo, Workspace } from './runs.js';
import type { RunSummary } from './run-meta.js';

/** How the server sends: the `apply` options a person may set when starting `serve`. */
export type SendSettings = Pick<
  BulkOptions,
  'concurrency' | 'rate' | 'maxAttempts' | 'timeoutMs' | 'retryBudget' | 'breakerThreshold' | 'backoff'
>;

/** A failed row, as the run page lists it while the run goes on. */
export interface Failure {
  row: number;
  offerId: string;
  code: string;
  message: string;
}

/** The run sending now, as the page shows it: kept in memory, so a reload sees where it is. */
export interface LiveRun {
  id: string;
  label: string;
  startedAt: number;
  /** Rows to send (the plan's), the progress bar's max. */
  max: number;
  /** Rows sent and recorded (updated or failed), the progress bar's value. */
  sent: number;
  counts: Record<string, number>;
  failed: number;
  /** The first failures, in the order they were recorded. */
  failures: Failure[];
  stopping: boolean;
  finished: boolean;
  /** When rows per second were last sampled: `[ms, sent]`, the last few seconds' worth. */
  samples: Array<[number, number]>;
}

export type RunEvent =
  | { type: 'progress'; run: LiveRun }
  | { type: 'failure'; run: LiveRun; failure: Failure }
  | { type: 'done'; run: LiveRun };

/** A second Apply while one run is sending: refused, naming the running one. */
export class RunBusyError extends Error {
  constructor(readonly running: LiveRun) {
    super(`run ${running.id} (${running.label}) is sending; wait for it to finish or stop it first`);
  }
}

export interface RunState {
  /** The run sending now, if any. */
  current(): LiveRun | undefined;
  /** Starts sending a planned run (or resumes an interrupted one); throws RunBusyError when one is sending. */
  start(run: RunInfo, resume: boolean): LiveRun;
  /** Stops the run as Ctrl-C does: no new rows, requests in flight finish. */
  stop(id: string): boolean;
  subscribe(id: string, listener: (event: RunEvent) => void): () => void;
  /** Stops the running send and waits for it to be recorded (the server is closing). */
  close(): Promise<void>;
}

export interface RunStateOptions {
  workspace: Workspace;
  baseUrl: string;
  apiKey: string;
  send: SendSettings;
  /** Run-level problems, already scrubbed, for the server's own output. */
  onError: (message: string) => void;
  /** Plans a run again: after a send was declined because the plan had changed since it was reviewed. */
  replan: (id: string) => Promise<unknown>;
}

const FAILURES_KEPT = 200;
const PROGRESS_MS = 250;

export function createRunState(options: RunStateOptions): RunState {
  let live: LiveRun | undefined;
  let controller: { stop: AbortController; abort: AbortController; done: Promise<void> } | undefined;
  const listeners = new Map<string, Set<(event: RunEvent) => void>>();
  const emit = (event: RunEvent) => {
    for (const listener of listeners.get(event.run.id) ?? []) listener(event);
  };

  function start(run: RunInfo, resume: boolean): LiveRun {
    if (live) throw new RunBusyError(live);
    if (!run.input) throw new Error(`run ${run.id} has no input file`);
    const plan = run.meta.plan;
    const offerHeader = plan?.fields.find((f) => f.field === 'offer_id')?.header;
    const offerAt = offerHeader && plan?.columns ? plan.columns.indexOf(offerHeader) : -1;
    const state: LiveRun = {
      id: run.id,
      label: run.meta.uploadName ?? run.id,
      startedAt: Date.now(),
      max: plan?.sendable ?? 0,
      sent: 0,
      counts: {},
      failed: 0,
      failures: [],
      stopping: false,
      finished: false,
      samples: [[Date.now(), 0]],
    };
    live = state;
    const stop = new AbortController();
    const abort = new AbortController();
    const ticker = setInterval(() => {
      state.samples.push([Date.now(), state.sent]);
      if (state.samples.length > 40) state.samples.shift();
      emit({ type: 'progress', run: state });
    }, PROGRESS_MS);
    const settings = run.meta.settings;
    // What the person confirmed: a send whose own plan (from fresh current values) would send something
    // else is declined, and the run planned again for another look.
    const reviewed = plan?.sendable;
    let declined: { now: number } | undefined;
    const asked = {
      input: run.input,
      mode: run.meta.mode,
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      ...options.send,
      // The page shows the plan with its invalid rows marked, and Apply sends the rest.
      skipInvalid: true,
      resume,
      readCurrent: true,
      maxChangePct: settings.maxChangePct,
      allowNegativeMargin: settings.allowNegativeMargin,
      allowExpired: settings.allowExpired ?? false,
      stopSignal: stop.signal,
      abortSignal: abort.signal,
      confirm: (preview) => {
        // Fewer rows only because some offers could not be read now is still what was confirmed, less
        // those rows (they end `failed`, not sent); anything else is not.
        const unread = preview.counts.failed;
        if (resume || (preview.sending <= (reviewed ?? 0) && preview.sending + unread >= (reviewed ?? 0))) {
          return true;
        }
        declined = { now: preview.sending };
        return false;
      },
      onRow: (row, outcome) => {
        state.counts[outcome.status] = (state.counts[outcome.status] ?? 0) + 1;
        const carried = row.prior?.status === 'updated';
        // Sent: updated, or failed after at least one attempt (a row whose offer could not be read failed unsent).
        const sent = outcome.status === 'updated' || (outcome.status === 'failed' && outcome.attempts > 0);
        if (!carried && sent) state.sent++;
        if (outcome.status !== 'failed') return;
        state.failed++;
        if (state.failures.length >= FAILURES_KEPT) return;
        const failure: Failure = {
          row: row.row,
          offerId: offerAt >= 0 ? (row.cells[offerAt] ?? '') : '',
          code: outcome.errorCode,
          message: outcome.error,
        };
        state.failures.push(failure);
        emit({ type: 'failure', run: state, failure });
      },
    } satisfies Omit<BulkOptions, 'dryRun'>;
    const done = applyBulk(asked)
      .then((result) => finish(run, declined ? { declined: { ...declined, reviewed } } : { result }))
      .catch((error: unknown) => finish(run, { error }))
      .finally(() => {
        clearInterval(ticker);
        state.finished = true;
        state.max = Math.max(state.max, state.sent);
        live = undefined;
        controller = undefined;
        emit({ type: 'done', run: state });
      });
    controller = { stop, abort, done };
    return state;
  }

  /** Keeps how the send ended in the run's folder, for the Done and History pages. */
  async function finish(
    run: RunInfo,
    ended: { result?: BulkResult; error?: unknown; declined?: { now: number; reviewed: number | undefined } },
  ): Promise<void> {
    if (ended.declined) {
      await options.replan(run.id);
      const meta = options.workspace.get(run.id)?.meta ?? run.meta;
      meta.error = `Nothing was sent: the offers changed since this plan was reviewed (${ended.declined.now} rows would change now, ${ended.declined.reviewed ?? 0} when reviewed). It has been planned again: review it, then apply.`;
      options.workspace.saveMeta(run.id, meta);
      return;
    }
    const meta = options.workspace.get(run.id)?.meta ?? run.meta;
    if (ended.result) {
      meta.result = summaryOf(ended.result);
      delete meta.error;
    } else {
      meta.error = describeError(ended.error, options.apiKey);
      options.onError(`run ${run.id}: ${meta.error}`);
    }
    options.workspace.saveMeta(run.id, meta);
  }

  return {
    current: () => live,
    start,
    stop(id) {
      if (!live || live.id !== id || !controller) return false;
      live.stopping = true;
      controller.stop.abort();
      emit({ type: 'progress', run: live });
      return true;
    },
    subscribe(id, listener) {
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(id);
      };
    },
    async close() {
      if (!controller || !live) return;
      const running = controller;
      this.stop(live.id);
      const timer = setTimeout(() => running.abort.abort(), 10_000);
      await running.done;
      clearTimeout(timer);
    },
  };
}

function summaryOf(result: BulkResult): RunSummary {
  const counts: Record<string, number> = { total: result.total };
  for (const [key, value] of Object.entries(result)) {
    if (['updated', 'unchanged', 'failed', 'invalid', 'blocked', 'not_found', 'skipped'].includes(key)) {
      counts[key] = value as number;
    }
  }
  return {
    counts,
    stopped: result.stopped,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    finished: new Date().toISOString(),
    codes: result.codes,
  };
}
