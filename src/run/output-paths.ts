import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { journalPath } from '../record/journal.js';

/**
 * Default result and log paths beside the input. A rerun of `payouts.results.csv` writes
 * `payouts.rerun-1.results.csv`, then `-2`, ... so the file it read is never touched.
 */
export function defaultOutputs(
  input: string,
  mode: 'apply' | 'rerun',
  dryRun: boolean,
  resume: boolean,
): { out: string; log: string } {
  const dir = dirname(input);
  const file = basename(input);
  if (mode === 'apply') {
    const stem = file.slice(0, file.length - extname(file).length);
    const tag = dryRun ? '.dry-run' : '';
    return { out: join(dir, `${stem}${tag}.results.csv`), log: join(dir, `${stem}${tag}.log.jsonl`) };
  }
  const base = file
    .replace(/\.csv$/i, '')
    .replace(/\.results$/i, '')
    .replace(/\.rerun-\d+$/i, '');
  const pick = (n: number) => ({
    out: join(dir, `${base}${dryRun ? '.dry-run' : ''}.rerun-${n}.results.csv`),
    log: join(dir, `${base}${dryRun ? '.dry-run' : ''}.rerun-${n}.log.jsonl`),
  });
  let n = 1;
  while (existsSync(pick(n).out)) n++;
  // Resuming continues the newest rerun that left a journal behind.
  if (resume && n > 1 && existsSync(journalPath(pick(n - 1).out))) n--;
  return pick(n);
}
