import { stderr, type Output } from './stdio.js';

/** How often a plain (not terminal) progress line may be printed: CI logs stay short. */
const PLAIN_EVERY_MS = 10_000;

export interface Progress {
  update(progress: { done: number; total: number; failed: number }): void;
  /** Clears the live line, if any, before the summary. */
  end(): void;
}

/**
 * The live progress line: on a terminal one line rewritten in place (done/total, %, rows/s, time left,
 * failed so far); elsewhere a plain line at most every 10 s.
 */
export function createProgress(out: Output = stderr, now: () => number = () => performance.now()): Progress {
  const started = now();
  let printedAt = started;
  let live = false;
  return {
    update({ done, total, failed }) {
      const t = now();
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const left = rate > 0 ? Math.ceil((total - done) / rate) : undefined;
      const line = `cake-bulk: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows (${total > 0 ? Math.floor((100 * done) / total) : 100}%), ${Math.round(rate).toLocaleString('en-US')} rows/s${left === undefined ? '' : `, ${formatSeconds(left)} left`}, ${failed.toLocaleString('en-US')} failed`;
      if (out.isTTY) {
        out.write(`\r\x1b[K${line}`);
        live = true;
      } else if (t - printedAt >= PLAIN_EVERY_MS) {
        printedAt = t;
        out.write(`${line}\n`);
      }
    },
    end() {
      if (live) out.write('\r\x1b[K');
      live = false;
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${seconds % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
