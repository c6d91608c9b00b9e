import type { BulkResult } from '../index.js';

/** The `--json` summary: exactly the documented shape. */
export function jsonSummary(result: BulkResult): string {
  const { total, updated, failed, invalid, skipped, dry_run, results, log } = result;
  return JSON.stringify({
    total,
    updated,
    failed,
    invalid,
    skipped,
    dry_run,
    results,
    log: log === false ? null : log,
  });
}

/** A short human summary for stderr: counts, where the files are, and what to do next. */
export function humanSummary(
  result: BulkResult,
  command: { mode: 'apply' | 'rerun'; input: string; dryRun: boolean },
): string {
  const parts = (['updated', 'failed', 'invalid', 'skipped', 'dry_run'] as const)
    .filter((status) => result[status] > 0)
    .map((status) => `${result[status]} ${status === 'dry_run' ? 'would be sent' : status}`);
  const lines = [
    `cake-bulk: ${result.total} row${result.total === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}${result.carried ? ` (${result.carried} carried over, not sent again)` : ''}`,
  ];
  if (result.retries > 0)
    lines.push(
      `  retries: ${result.retries}${result.throttleCuts ? `, slowed down ${result.throttleCuts}x for throttling` : ''}`,
    );
  lines.push(`  results: ${result.results}`);
  if (result.log !== false) lines.push(`  log:     ${result.log}`);
  for (const hint of nextSteps(result, command)) lines.push(`  next:    ${hint}`);
  return lines.join('\n');
}

function nextSteps(
  result: BulkResult,
  command: { mode: 'apply' | 'rerun'; input: string; dryRun: boolean },
): string[] {
  const rerun = `cake-bulk rerun ${quote(result.results)}`;
  const resume = `cake-bulk ${command.mode} ${quote(command.input)} --resume${result.results ? ` --out ${quote(result.results)}` : ''}`;
  switch (result.stopped) {
    case 'interrupted':
    case 'aborted':
      return [`interrupted; unsent rows are marked skipped. Continue with: ${resume}`];
    case 'circuit':
      return [
        `the server looked down (too many rows in a row failed after every retry). When it is back: ${resume}`,
      ];
    case 'auth':
      return [
        'the API rejected the key: check CAKE_API_KEY (or --api-key-file) and --base-url, then run the same command again with --force',
      ];
  }
  // The warning above the summary already says there was nothing to do; "send it" would read as advice.
  if (result.total === 0) return [];
  if (command.dryRun) {
    if (result.invalid > 0)
      return [`fix the invalid rows (see the error column of ${result.results}), then dry-run again`];
    return [`looks good; send it with: cake-bulk ${command.mode} ${quote(command.input)}`];
  }
  const hints: string[] = [];
  if (result.invalid > 0)
    hints.push(`fix the invalid rows in ${result.results} (edit their cells there), then: ${rerun}`);
  else if (result.failed > 0 || result.skipped > 0)
    hints.push(`send the rows that did not succeed again with: ${rerun}`);
  return hints;
}

function quote(path: string): string {
  return /^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
