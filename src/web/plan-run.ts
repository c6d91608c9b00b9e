import { extname } from 'node:path';
import { CakeBulkError, FileError, describeError, planBulk, type PlanResult } from '../index.js';
import type { SendSettings } from './run-state.js';
import type { RunInfo, Workspace } from './runs.js';
import {
  PLAN_STATUSES,
  type GuardSettings,
  type PlanStatus,
  type PlanSummary,
  type RunMeta,
} from './run-meta.js';

/** Where a run's plan goes: `<input-stem>.plan.csv` beside the input, as `planBulk` names it. */
export function planPathOf(input: string): string {
  return `${input.slice(0, input.length - extname(input).length)}.plan.csv`;
}

export interface PlanRunOptions {
  baseUrl: string;
  apiKey: string;
  /** How the reads go (concurrency, timeouts, retries), as for sending. */
  send?: SendSettings;
}

/**
 * Plans a run with the library, reading the offers' current values from CAKE (reads only; nothing is
 * sent), and writes the plan file the review page pages through.
 */
export async function planRun(
  run: RunInfo,
  settings: GuardSettings,
  options: PlanRunOptions,
): Promise<PlanSummary> {
  if (!run.input) throw new Error(`run ${run.id} has no input file`);
  const result = await planBulk({
    input: run.input,
    mode: run.meta.mode,
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    out: planPathOf(run.input),
    maxChangePct: settings.maxChangePct,
    allowNegativeMargin: settings.allowNegativeMargin,
    allowExpired: settings.allowExpired ?? false,
    ...options.send,
  });
  if (result.stopped === 'auth' || result.stopped === 'tls') {
    // The plan file is there, but every row would show `failed`: say what stopped the reads instead.
    throw new CakeBulkError(
      result.stopped === 'auth' ? 'E_AUTH' : 'E_TLS',
      result.stopped === 'auth'
        ? `CAKE refused the API key while reading current values: check CAKE_API_KEY or --api-key-file, then restart the server`
        : `CAKE's TLS certificate was refused while reading current values`,
    );
  }
  return summarize(result);
}

function summarize(result: PlanResult): PlanSummary {
  const counts = Object.fromEntries(
    PLAN_STATUSES.map((status) => [status, result.counts[status] ?? 0]),
  ) as Record<PlanStatus, number>;
  return {
    planned: new Date().toISOString(),
    total: result.total,
    counts,
    carried: result.carried,
    sendable: result.sendable,
    readCurrent: result.readCurrent,
    columns: result.columns,
    fields: result.fields.map(({ header, field }) => ({ header, field })),
    problems: result.problems.slice(0, 20).map(({ row, code, message }) => ({ row, code, message })),
    moves: result.review?.moves,
    statusChanges: result.review?.statusChanges,
    unknownBefore: result.review?.unknownBefore ?? 0,
    losses: result.review?.losses ?? 0,
    warnings: result.warnings,
  };
}

/**
 * Plans a run and keeps the plan in its `run.json`; a file or CAKE problem comes back as the words to show
 * (a file's line, not the workspace path), scrubbed of the key.
 */
export async function planAndKeep(
  workspace: Workspace,
  id: string,
  options: PlanRunOptions,
  log: (line: string) => void,
): Promise<true | { status: 422 | 502; message: string }> {
  const run = workspace.get(id);
  if (!run) return { status: 422, message: `no run ${id}` };
  try {
    const summary = await planRun(run, run.meta.settings, options);
    const meta: RunMeta = { ...(workspace.get(id)?.meta ?? run.meta), plan: summary };
    delete meta.error;
    workspace.saveMeta(id, meta);
    return true;
  } catch (error) {
    const message =
      error instanceof FileError
        ? error.line === undefined
          ? error.detail
          : `line ${error.line}: ${error.detail}`
        : describeError(error, options.apiKey);
    if (!(error instanceof CakeBulkError)) log(`planning run ${id}: ${message}`);
    return { status: error instanceof CakeBulkError && !(error instanceof FileError) ? 502 : 422, message };
  }
}
