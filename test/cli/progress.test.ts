import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import type { Output } from '../../src/cli/stdio.js';

function output(isTTY: boolean): Output & { text: string } {
  return {
    isTTY,
    closed: false,
    text: '',
    write(chunk) {
      this.text += chunk;
    },
  };
}

describe('the progress line', () => {
  it('rewrites one line in place on a terminal: done/total, %, rows/s, time left, failed so far', () => {
    const out = output(true);
    const clock = { t: 0 };
    const progress = createProgress(out, () => clock.t);
    clock.t = 2000;
    progress.update({ done: 500, total: 2000, failed: 3 });
    expect(out.text).toBe('\r\x1b[Kcake-bulk: 500/2,000 rows (25%), 250 rows/s, 6 s left, 3 failed');
    progress.end();
    expect(out.text.endsWith('\r\x1b[K')).toBe(true);
  });

  it('prints a plain line at most every 10 s when not on a terminal, so CI logs stay short', () => {
    const out = output(false);
    const clock = { t: 0 };
    const progress = createProgress(out, () => clock.t);
    for (let t = 500; t <= 25_000; t += 500) {
      clock.t = t;
      progress.update({ done: t, total: 100_000, failed: 0 });
    }
    expect(out.text.split('\n').filter(Boolean)).toHaveLength(2);
    expect(out.text).not.toContain('\r');
    expect(out.text).toContain(
      'cake-bulk: 10,000/100,000 rows (10%), 1,000 rows/s, 1 min 30 s left, 0 failed\n',
    );
  });
});
