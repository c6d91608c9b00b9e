import { describeCode, type BulkResult, type CodeKind } from '../index.js';
import { ROW_STATUSES } from '../types.js';
import type { Color } from './color.js';

/** The `--json` summary's counts, in its documented order: a run's result has no `change` rows. */
const JSON_COUNTS = ['total', ...ROW_STATUSES.filter((status) => status !== 'change')] as const;

/** The `--json` summary: exactly the documented shape. */
export function jsonSummary(result: BulkResult): string {
  return JSON.stringify({
    ...Object.fromEntries(JSON_COUNTS.map((key) => [key, result[key]])),
    results: result.results,
    log: result.log === false ? null : result.log,
    undo: result.undo ?? null,
  });
}

/** What the summary needs beyond the result: how the run was started, and the follow-up commands. */
export interface SummaryContext {
  dryRun: boolean;
  /** Continue this run: `cake-bulk <mode> <input> --resume --out ...` with every flag it needs. */
  resume: string;
  /** Send again what did not succeed: `cake-bulk rerun <results> ...`. */
  rerun: string;
  /** A dry run that found nothing wrong: the same command without --dry-run. */
  send: string;
  /** Apply the undo file: the earlier state exactly. */
  undo: string | undefined;
  paint: (color: Color, text: string) => string;
}

const STATUS_COLORS: Record<string, Color> = {
  updated: 'green',
  unchanged: 'dim',
  failed: 'red',
  invalid: 'red',
  blocked: 'red',
  not_found: 'red',
  skipped: 'yellow',
  dry_run: 'green',
};

/** A short human summary for stderr: counts, failures by what they need, the files, and what to do next. */
export function humanSummary(result: BulkResult, ctx: SummaryContext): string {
  const parts = (
    ['updated', 'unchanged', 'failed', 'invalid', 'blocked', 'not_found', 'skipped', 'dry_run'] as const
  )
    .filter((status) => result[status] > 0)
    .map((status) =>
      ctx.paint(
        STATUS_COLORS[status]!,
        `${result[status]} ${status === 'dry_run' ? 'would be sent' : status}`,
      ),
    );
  const lines = [
    `cake-bulk: ${result.total} row${result.total === 1 ? '' : 's'}${parts.length ? `: ${parts.join(', ')}` : ''}${result.carried ? ` (${result.carried} carried over, not sent again)` : ''}`,
  ];
  const kinds = byKind(result.codes);
  if (kinds.transient.rows > 0)
    lines.push(`  failed, worth sending again: ${kinds.transient.rows} (${kinds.transient.codes})`);
  if (kinds.permanent.rows > 0)
    lines.push(
      `  failed, CAKE refused them: ${kinds.permanent.rows} (${kinds.permanent.codes}); a rerun alone will not change that`,
    );
  if (result.retries > 0) {
    lines.push(
      `  retries: ${result.retries}${result.throttleCuts ? `, slowed down ${result.throttleCuts}x for throttling` : ''}`,
    );
  }
  lines.push(`  results: ${result.results}`);
  if (result.log !== false) lines.push(`  log:     ${result.log}`);
  if (result.undo) {
    const gaps =
      result.unrestorable > 0
        ? ` (${result.unrestorable} field(s) it cannot restore: their value before is unknown, or a status update_offer cannot set)`
        : '';
    lines.push(`  undo:    ${result.undo}${gaps}`);
    if (ctx.undo) lines.push(`           put the changes back with: ${ctx.undo}`);
  }
  if (!result.readCurrent && !ctx.dryRun && result.total > 0) {
    lines.push(
      '  note:    current values were not read (--no-read-current): no unchanged rows, guardrails or undo file',
    );
  }
  for (const hint of nextSteps(result, ctx, kinds)) lines.push(`  next:    ${hint}`);
  return lines.join('\n');
}

type Kinds = Record<CodeKind, { rows: number; codes: string }>;

/** Rows not updated, grouped by what they need: a rerun, a fix, a resume. */
function byKind(codes: Record<string, number>): Kinds {
  const kinds = {} as Record<CodeKind, { rows: number; list: string[] }>;
  for (const kind of ['invalid', 'transient', 'permanent', 'stopped', 'run'] as const)
    kinds[kind] = { rows: 0, list: [] };
  for (const [code, rows] of Object.entries(codes).sort((a, b) => b[1] - a[1])) {
    const kind = describeCode(code)?.kind ?? 'permanent';
    kinds[kind].rows += rows;
    kinds[kind].list.push(`${code} ${rows}`);
  }
  return Object.fromEntries(
    Object.entries(kinds).map(([kind, { rows, list }]) => [kind, { rows, codes: list.join(', ') }]),
  ) as Kinds;
}

function nextSteps(result: BulkResult, ctx: SummaryContext, kinds: Kinds): string[] {
  switch (result.stopped) {
    case 'interrupted':
    case 'aborted':
      return [`interrupted; unsent rows are marked skipped. Continue with: ${ctx.resume}`];
    case 'circuit':
      return [
        `the server looked down (too many rows in a row failed after every retry). When it is back: ${ctx.resume}`,
      ];
    case 'auth':
      return [
        `the API rejected the key: check CAKE_API_KEY (or --api-key-file) and --base-url, then: ${ctx.resume}`,
      ];
    case 'tls':
      return [
        `the server's TLS certificate was refused: check --base-url (or the machine's CA certificates), then: ${ctx.resume}`,
      ];
  }
  // The warning above the summary already says there was nothing to do; "send it" would read as advice.
  if (result.total === 0) return [];
  if (ctx.dryRun) {
    if (result.invalid > 0)
      return [
        `fix the invalid rows (listed above; all of them in the error column of ${result.results}), then dry-run again`,
      ];
    return [`looks good; send it with: ${ctx.send}`];
  }
  const hints: string[] = [];
  // A file refused for its invalid rows sends nothing until they are fixed: a rerun first would be refused too.
  const refused = (result.codes.E_FILE_HAS_INVALID_ROWS ?? 0) > 0;
  const retry = kinds.transient.rows + kinds.stopped.rows;
  if (retry > 0 && !refused) hints.push(`send the ${retry} row(s) worth retrying again with: ${ctx.rerun}`);
  if (refused) {
    const held = [
      result.invalid ? `${result.invalid} invalid` : '',
      result.blocked ? `${result.blocked} blocked` : '',
    ].filter(Boolean);
    hints.push(
      `nothing was sent: the file has ${held.join(' and ')} row(s); fix them, or send the other rows with --skip-invalid`,
    );
  }
  if (result.invalid > 0) {
    hints.push(`fix the invalid rows in ${result.results} (edit their cells there), then: ${ctx.rerun}`);
  }
  if (result.blocked > 0) {
    hints.push(
      `the ${result.blocked} blocked row(s) failed a guardrail (both values are in their error column): fix the value in ${result.results}, or if the change is meant, rerun with the flag the error names: ${ctx.rerun}`,
    );
  }
  if (kinds.permanent.rows > 0) {
    hints.push(
      `the ${kinds.permanent.rows} row(s) CAKE refused need a fix first (see their error column; e.g. an offer that does not exist), then: ${ctx.rerun}`,
    );
  }
  return hints;
}
