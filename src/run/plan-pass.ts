import type { ResultsWriter } from '../record/results-writer.js';
import { restorableValue, type UndoFile } from '../record/undo-file.js';
import { zeroCounts, type RowStatus, type UpdateField } from '../types.js';
import { decideRow, ended, type DecideContext } from './decide-row.js';
import type { ResolvedOptions } from './resolve-options.js';
import { createReview, type Review } from './review.js';
import { PROBLEMS_KEPT, type RowProblem } from './scan-pass.js';
import { openSource } from './source-rows.js';

/** What the plan pass found: what each row would do, and the review a person reads before sending. */
export interface PlanPass {
  counts: Record<RowStatus, number>;
  /** Rows a rerun or resume carries over. */
  carried: number;
  /** The first invalid, blocked and not-found rows, in file order. */
  problems: RowProblem[];
  review: Review;
  /** Changing rows left out of the undo file: none of their fields can be restored. */
  notInUndo: number;
  /** Fields of changing rows an undo cannot put back (unknown before, or a status update_offer cannot set). */
  unrestorable: number;
}

export interface PlanPassContext {
  o: ResolvedOptions;
  decide: DecideContext;
  readFrom: string;
  /** The plan file (`cake-bulk plan`): every row with what it would do. */
  plan: ResultsWriter | undefined;
  /** The undo file (apply): the before-values of every row to be sent. */
  undo: UndoFile | undefined;
}

/**
 * Reads the file once more and decides every row against its offer's current values, before anything is
 * sent: the counts (a file with invalid or blocked rows is refused on them), the review, the plan file,
 * and the undo file. The send pass decides the same rows the same way from the same stored values.
 */
export async function planPass(ctx: PlanPassContext): Promise<PlanPass> {
  const counts = zeroCounts();
  const problems: RowProblem[] = [];
  const review = createReview();
  let carried = 0;
  let notInUndo = 0;
  let unrestorable = 0;
  const source = await openSource({ ...ctx.o, readFrom: ctx.readFrom });
  for await (const rows of source.rows) {
    for (const row of rows) {
      const decision = decideRow(row, ctx.decide);
      if (decision.kind === 'carried') {
        carried++;
        // What an earlier attempt of this run changed is in the undo file too.
        const before = decision.outcome.before;
        if (before && decision.outcome.status === 'updated') {
          for (const field of Object.keys(before.fields) as UpdateField[]) {
            if (restorableValue(field, before) === undefined) unrestorable++;
          }
        }
        ctx.plan?.add(row, decision.outcome);
        continue;
      }
      if (decision.kind === 'ended') {
        const { outcome } = decision;
        counts[outcome.status]++;
        const listed =
          outcome.status === 'invalid' || outcome.status === 'blocked' || outcome.status === 'not_found';
        if (listed && problems.length < PROBLEMS_KEPT) {
          problems.push({ row: row.row, code: outcome.errorCode, message: outcome.error });
        }
        ctx.plan?.add(row, outcome);
        continue;
      }
      counts.change++;
      ctx.plan?.add(row, { ...ended('change'), before: decision.before });
      review.add(row.row, decision.request.offer_id, decision.changes, decision.atLoss);
      if (decision.before) {
        for (const change of decision.changes)
          if (restorableValue(change.field, decision.before) === undefined) unrestorable++;
      }
      if (ctx.undo && decision.before) {
        const fields = decision.changes.map((change) => change.field);
        if (!ctx.undo.add(decision.request.offer_id, decision.before, fields)) notInUndo++;
      }
    }
  }
  return { counts, carried, problems, review: review.finish(), notInUndo, unrestorable };
}
