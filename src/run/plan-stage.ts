import { existsSync } from 'node:fs';
import { createUndoFile, undoPath, type UndoFile } from '../record/undo-file.js';
import type { Guards } from '../plan/guardrails.js';
import type { Machinery } from './machinery.js';
import { planPass, type PlanPass } from './plan-pass.js';
import { currentValues, lookup, type CurrentValues } from './prepare.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { Resumed } from './resume.js';
import type { Scan } from './scan-pass.js';

/** What a run knows before it sends: the offers' current values, every row's plan, and the undo file. */
export interface PlanStage {
  values: CurrentValues | undefined;
  plan: PlanPass | undefined;
  /** Written but not yet committed: the run commits it just before its first update, or abandons it. */
  undo: UndoFile | undefined;
}

export interface PlanStageContext {
  o: ResolvedOptions;
  machinery: Machinery | undefined;
  scan: Scan;
  resumed: Resumed | undefined;
  guards: Guards;
  readFrom: string;
  storePath: string;
  runId: string;
  stopped: () => boolean;
}

/**
 * Reads current values (GET only) and plans every row against them. A resumed run keeps the undo file
 * its first attempt committed: that one holds the values from before any update.
 */
export async function planStage(ctx: PlanStageContext): Promise<PlanStage> {
  const { o, machinery, scan, resumed } = ctx;
  const values =
    machinery && o.readCurrent
      ? await currentValues(machinery, o, scan, ctx.storePath, ctx.runId, resumed !== undefined)
      : undefined;
  if (!values || ctx.stopped()) return { values, plan: undefined, undo: undefined };
  const keepUndo = resumed !== undefined && existsSync(undoPath(o.out));
  const undo = keepUndo
    ? undefined
    : createUndoFile(
        undoPath(o.out),
        scan.columns.fields.map((f) => f.field),
        o.force || resumed !== undefined,
      );
  const reader = values.open();
  try {
    const plan = await planPass({
      o,
      decide: { scan, resumed, current: lookup(reader), guards: ctx.guards },
      readFrom: ctx.readFrom,
      plan: undefined,
      undo,
    });
    return { values, plan, undo };
  } catch (error) {
    undo?.abandon();
    throw error;
  } finally {
    reader?.close();
  }
}
