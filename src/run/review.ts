import type { FieldChange } from '../plan/plan-row.js';
import type { UpdateField } from '../types.js';

/** A row that changes, as the review shows it. */
export interface PlanChange {
  row: number;
  offerId: number;
  fields: FieldChange[];
}

/** One payout or revenue move, for the biggest-moves lists. */
export interface Move {
  row: number;
  offerId: number;
  before: number;
  after: number;
  changePct: number;
}

/** What a person reads before anything is sent: the money summary and the first rows of each kind. */
export interface Review {
  /** The first rows that change (at most CHANGES_KEPT). */
  changes: PlanChange[];
  /** The biggest moves by change percent, up and down, top MOVES_KEPT each. */
  moves: Record<'payout' | 'revenue', { up: Move[]; down: Move[] }>;
  /** Status changes by kind: `active -> inactive: 12`. */
  statusChanges: Array<{ from: string; to: string; rows: number }>;
  /** Fields a changing row sets whose value before the API does not report (the undo file cannot restore them). */
  unknownBefore: number;
  /** Rows not blocked whose offer already pays out more than it earns (a rename, say). */
  losses: number;
}

const CHANGES_KEPT = 20;
const MOVES_KEPT = 10;

/** Gathers the review as the plan pass meets each row that changes; memory stays bounded. */
export function createReview() {
  const review: Review = {
    changes: [],
    moves: { payout: { up: [], down: [] }, revenue: { up: [], down: [] } },
    statusChanges: [],
    unknownBefore: 0,
    losses: 0,
  };
  const statuses = new Map<string, number>();
  const keep = (list: Move[], move: Move, better: (a: Move, b: Move) => boolean) => {
    if (list.length === MOVES_KEPT && !better(move, list[list.length - 1]!)) return;
    list.push(move);
    list.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : a.row - b.row));
    if (list.length > MOVES_KEPT) list.pop();
  };
  return {
    add(row: number, offerId: number, changes: FieldChange[], atLoss: boolean) {
      if (review.changes.length < CHANGES_KEPT) review.changes.push({ row, offerId, fields: changes });
      if (atLoss) review.losses++;
      for (const change of changes) {
        if (change.before === 'unknown') review.unknownBefore++;
        if (change.field === 'offer_status') {
          const key = `${change.before}\u0000${change.after}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
        if ((change.field === 'payout' || change.field === 'revenue') && change.changePct !== undefined) {
          const move = {
            row,
            offerId,
            before: Number(change.before),
            after: Number(change.after),
            changePct: change.changePct,
          };
          const lists = review.moves[change.field as Extract<UpdateField, 'payout' | 'revenue'>];
          if (move.changePct > 0) keep(lists.up, move, (a, b) => a.changePct > b.changePct);
          if (move.changePct < 0) keep(lists.down, move, (a, b) => a.changePct < b.changePct);
        }
      }
    },
    finish(): Review {
      review.statusChanges = [...statuses]
        .map(([key, rows]) => {
          const [from, to] = key.split('\u0000');
          return { from: from!, to: to!, rows };
        })
        .sort((a, b) => b.rows - a.rows);
      return review;
    },
  };
}
