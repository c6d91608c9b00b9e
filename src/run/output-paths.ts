import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { OutputError } from '../errors.js';
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
  force = false,
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
  const interrupted = n > 1 && !dryRun && existsSync(journalPath(pick(n - 1).out));
  // Resuming continues the newest rerun that left a journal behind; a plain rerun must not start the next
  // one past it, which would send again every row the interrupted one already updated.
  if (interrupted && resume) n--;
  else if (interrupted && !force) {
    throw new OutputError(
      'E_RERUN_INTERRUPTED',
      `${pick(n - 1).out} was interrupted (its journal is still there); continue it with --resume, or pass --force to start ${basename(pick(n).out)} anyway`,
    );
  }
  return pick(n);
}
