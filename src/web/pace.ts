import type { LiveRun } from './run-state.js';

/** Rows per second over the last few seconds, and the seconds left at that pace. */
export function pace(run: LiveRun): { rowsPerSecond: number; secondsLeft: number | undefined } {
  const first = run.samples[0];
  const now: [number, number] = [Date.now(), run.sent];
  if (!first || now[0] - first[0] < 200) return { rowsPerSecond: 0, secondsLeft: undefined };
  const rowsPerSecond = ((now[1] - first[1]) * 1000) / (now[0] - first[0]);
  const left = Math.max(0, run.max - run.sent);
  return {
    rowsPerSecond,
    secondsLeft: rowsPerSecond > 0 ? left / rowsPerSecond : left === 0 ? 0 : undefined,
  };
}
