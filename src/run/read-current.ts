import {
  classifyListAnswer,
  listOffersRequest,
  type ListQuery,
  type OffersPage,
} from '../cake/list-offers.js';
import type { CurrentStore } from '../record/current-values.js';
import { sendAttempt } from '../send/attempt.js';
import { sendRow } from '../send/send-row.js';
import { rowArray } from '../row-array.js';
import type { Machinery } from './machinery.js';
import type { WantedOffers } from './wanted-offers.js';

/** How the current values were read, for the summary and the bench. */
export interface ReadReport {
  /** `pages`: the whole catalog, page by page; `offers`: one request per row; `none`: nothing to read. */
  strategy: 'pages' | 'offers' | 'none';
  /** List Offers requests made, retries aside. */
  requests: number;
  /** Rows whose offer List Offers returned, did not return, or could not be asked about. */
  found: number;
  notFound: number;
  failed: number;
}

export interface ReadOptions {
  apiKey: string;
  /** Data rows in the file: row positions run from 0 to this. */
  rows: number;
  /** Rows asked for in one page. */
  pageSize: number;
  store: CurrentStore;
  wanted: WantedOffers;
}

/**
 * Reads the current values of every wanted row's offer before anything is sent, in as few requests as it
 * can: the first page of the whole catalog tells how many offers there are; then the rest of the catalog
 * page by page, or each remaining offer by id, whichever takes fewer requests. A page shorter than asked
 * while more remain is followed where it ends (servers cap page sizes). Reads go through the run's pool,
 * rate limit, retry budget and circuit breaker like updates; the key travels in their query string, so no
 * path of theirs is logged. Each row's values go to the store, keyed by its position in the file.
 */
export async function readCurrentValues(m: Machinery, options: ReadOptions): Promise<ReadReport> {
  const { wanted, store } = options;
  const report: ReadReport = { strategy: 'none', requests: 0, found: 0, notFound: 0, failed: 0 };
  if (wanted.size === 0) return report;
  // One byte a row, not a Set of positions: a million rows cost a megabyte (row-array.ts says why not a
  // plain Uint8Array).
  const done = rowArray(Uint8Array, options.rows).array;
  let doneCount = 0;
  const mark = (seq: number) => {
    done[seq] = 1;
    doneCount++;
  };
  const fetch = async (query: ListQuery): Promise<OffersPage | string> => {
    report.requests++;
    const subject: Record<string, string | number> =
      'offerId' in query
        ? { read: 'offer', offer_id: query.offerId }
        : { read: 'page', start_at_row: query.startAtRow };
    const attempt = async () => {
      const sent = await sendAttempt(
        listOffersRequest(m.endpoint.listOffersPath, query, options.apiKey),
        m.attemptContext,
      );
      return 'answer' in sent ? classifyListAnswer(sent.answer, m.redact) : sent;
    };
    const result = await sendRow(subject, attempt, m.rowContext);
    m.breaker.record(
      result.outcome.status === 'updated' ? 'success' : result.exhausted ? 'exhausted' : 'other',
    );
    if (result.fatal) m.stop.stop(result.fatal);
    if (m.breaker.open) m.stop.stop('circuit');
    if (result.outcome.status === 'updated') return result.payload as OffersPage;
    return `${result.outcome.errorCode}: ${result.outcome.error}`;
  };
  const keep = (page: OffersPage) => {
    for (const { offerId, current } of page.offers) {
      for (const seq of wanted.seqsOf(offerId)) {
        if (done[seq]) continue;
        mark(seq);
        store.put(seq, current);
        report.found++;
      }
    }
  };

  const first = await fetch({ startAtRow: 0, rowLimit: options.pageSize });
  if (typeof first === 'string') return finish(m, wanted, store, done, report, first);
  keep(first);
  const total = first.totalRows;
  const step = first.offers.length;
  report.strategy = 'pages';
  if (step >= total) return finish(m, wanted, store, done, report, undefined);
  const pagesLeft = step === 0 ? Infinity : Math.ceil((total - step) / step);
  const offersLeft = wanted.size - doneCount;
  let failure: string | undefined;
  if (pagesLeft <= offersLeft) {
    const queue: Array<{ start: number; limit: number }> = [];
    for (let start = step; start < total; start += step)
      queue.push({ start, limit: Math.min(step, total - start) });
    for (;;) {
      while (queue.length > 0 && !m.stop.reason) {
        const { start, limit } = queue.shift()!;
        const slot = m.pool.submit(async () => {
          const page = await fetch({ startAtRow: start, rowLimit: limit });
          if (typeof page === 'string') {
            failure ??= page;
            return;
          }
          keep(page);
          // Fewer rows than asked while more remain: ask again from where this page ended.
          if (page.offers.length > 0 && page.offers.length < limit && start + page.offers.length < total) {
            queue.push({ start: start + page.offers.length, limit: limit - page.offers.length });
          }
        });
        if (slot) await slot;
      }
      await m.pool.drain();
      if (queue.length === 0 || m.stop.reason) break;
    }
  } else {
    report.strategy = 'offers';
    for (const { offerId, seq } of wanted.entries()) {
      if (m.stop.reason) break;
      if (done[seq]) continue;
      const slot = m.pool.submit(async () => {
        const page = await fetch({ offerId });
        mark(seq);
        if (typeof page === 'string') {
          store.put(seq, { failed: page });
          report.failed++;
          return;
        }
        const match = page.offers.find((offer) => offer.offerId === offerId);
        if (match) {
          store.put(seq, match.current);
          report.found++;
        } else {
          store.put(seq, 'not_found');
          report.notFound++;
        }
      });
      if (slot) await slot;
    }
    await m.pool.drain();
  }
  return finish(m, wanted, store, done, report, failure);
}

/**
 * Rows the reads did not reach: not found when the catalog was read whole, else not read (a page failed,
 * or the run stopped). Only a complete read phase is marked complete in the store.
 */
function finish(
  m: Machinery,
  wanted: WantedOffers,
  store: CurrentStore,
  done: Uint8Array,
  report: ReadReport,
  failure: string | undefined,
): ReadReport {
  if (m.stop.reason) return report;
  for (const { seq } of wanted.entries()) {
    if (done[seq]) continue;
    if (failure) {
      store.put(seq, { failed: failure });
      report.failed++;
    } else {
      store.put(seq, 'not_found');
      report.notFound++;
    }
  }
  store.finish();
  return report;
}
