import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ROW_STATUSES } from '../types.js';
import type { RunSummary } from './run-meta.js';

/** The counts of a log's last `run_end` line: a run made by the CLI has no `run.json`. */
export function lastRunEnd(log: string): RunSummary | undefined {
  let text: string;
  try {
    text = readTail(log);
  } catch {
    return undefined;
  }
  for (const line of text.split('\n').reverse()) {
    if (!line.includes('"run_end"')) continue;
    try {
      const end = JSON.parse(line) as Record<string, unknown>;
      return {
        counts: countsOf(end),
        stopped: typeof end.stopped === 'string' ? end.stopped : undefined,
        exitCode: typeof end.exitCode === 'number' ? end.exitCode : undefined,
        durationMs: typeof end.durationMs === 'number' ? end.durationMs : undefined,
        finished:
          typeof end.time === 'number' || typeof end.time === 'string'
            ? new Date(end.time).toISOString()
            : undefined,
      };
    } catch {
      continue;
    }
  }
  return undefined;
}

function countsOf(end: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of ['total', ...ROW_STATUSES]) {
    if (typeof end[key] === 'number') counts[key] = end[key];
  }
  return counts;
}

/** The last 64 KB of a file, where a log's `run_end` is. */
function readTail(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
