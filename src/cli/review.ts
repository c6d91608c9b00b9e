import type { Move, Preview, Review, RowProblem, RowStatus } from '../index.js';

/** Rows of each kind shown on the terminal; the plan and results files hold them all. */
const SHOWN = 20;

/** Counts by status, in the summary's order, leaving out the empty ones. */
export function statusCounts(counts: Record<RowStatus, number>, order: readonly RowStatus[]): string {
  return order
    .filter((status) => counts[status] > 0)
    .map((status) => `${counts[status].toLocaleString('en-US')} ${status}`)
    .join(', ');
}

/**
 * The review a person reads before sending: counts, the rows that change (offer, field: before -> after,
 * change %), the biggest payout and revenue moves, status changes by kind, and every blocked or invalid
 * row with its reason (the first SHOWN of each on the terminal).
 */
export function reviewText(
  counts: Record<RowStatus, number>,
  review: Review | undefined,
  problems: RowProblem[],
  file: string,
): string {
  const lines: string[] = [];
  lines.push(
    `plan: ${statusCounts(counts, ['change', 'unchanged', 'invalid', 'blocked', 'not_found', 'failed']) || 'nothing to do'}`,
  );
  if (review) {
    if (review.changes.length > 0) lines.push('  changes:');
    for (const change of review.changes.slice(0, SHOWN)) {
      const fields = change.fields
        .map(
          (f) =>
            `${f.field}: ${f.before} -> ${f.after}${f.changePct === undefined ? '' : ` (${signed(f.changePct)}%)`}`,
        )
        .join('; ');
      lines.push(`    row ${change.row}, offer ${change.offerId}: ${fields}`);
    }
    if (counts.change > review.changes.length)
      lines.push(
        `    ... and ${(counts.change - review.changes.length).toLocaleString('en-US')} more in ${file}`,
      );
    for (const field of ['payout', 'revenue'] as const) {
      for (const way of ['up', 'down'] as const) {
        const moves = review.moves[field][way];
        if (moves.length > 0) lines.push(`  biggest ${field} moves ${way}: ${moves.map(move).join(', ')}`);
      }
    }
    for (const { from, to, rows } of review.statusChanges)
      lines.push(`  status ${from} -> ${to}: ${rows.toLocaleString('en-US')}`);
    if (review.losses > 0)
      lines.push(`  note: ${review.losses} row(s) change an offer that already pays out more than it earns`);
    if (review.unknownBefore > 0) {
      lines.push(
        `  note: ${review.unknownBefore} field(s) set have no value before in List Offers (shown as unknown): the undo file cannot restore them`,
      );
    }
  }
  for (const problem of problems.slice(0, SHOWN))
    lines.push(`  row ${problem.row}: ${problem.message} [${problem.code}]`);
  const listed = counts.invalid + counts.blocked + counts.not_found;
  if (listed > problems.length)
    lines.push(
      `  ... and ${(listed - problems.length).toLocaleString('en-US')} more invalid, blocked or not found in ${file}`,
    );
  if (counts.failed > 0)
    lines.push(
      `  not read: ${counts.failed.toLocaleString('en-US')} row(s) whose offer's current values could not be read (why: the error column of ${file}); they are not sent. Plan again when the server answers`,
    );
  return `${lines.join('\n')}\n`;
}

/** The question before sending, naming the host and the count. */
export function question(preview: Preview): string {
  return `Send ${preview.sending.toLocaleString('en-US')} update${preview.sending === 1 ? '' : 's'} to ${preview.host}? [y/N] `;
}

function move(m: Move): string {
  return `offer ${m.offerId} ${m.before} -> ${m.after} (${signed(m.changePct)}%)`;
}

function signed(pct: number): string {
  return pct > 0 ? `+${pct.toFixed(1)}` : pct.toFixed(1);
}
