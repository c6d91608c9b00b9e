import type { LiveRun } from './run-state.js';
import type { RunInfo } from './runs.js';

/** Where a run is: what its page shows and what it offers next. */
export type RunPhase = 'new' | 'planned' | 'sending' | 'interrupted' | 'done';

/**
 * From the folder's files and the one live send: a journal left behind means the send stopped before
 * the end (Stop, a kill, a crash) and can be resumed; a results file without one means it ended.
 */
export function runPhase(run: RunInfo, live: LiveRun | undefined): RunPhase {
  if (live && live.id === run.id) return 'sending';
  if (run.files.journal) return 'interrupted';
  if (run.files.results) return 'done';
  if (run.meta.plan && run.files.plan) return 'planned';
  return 'new';
}
