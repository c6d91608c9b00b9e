import type { TablePage } from '../plan-table.js';
import { PLAN_STATUSES, type PlanSummary } from '../run-meta.js';
import type { RunInfo } from '../runs.js';
import { html, type Html } from './html.js';
import { count, csrfField, plural, when } from './parts.js';
import { guardForm, moneySummary } from './review-parts.js';

export interface ReviewPageOptions {
  run: RunInfo;
  plan: PlanSummary;
  page: TablePage;
  /** The status the table is filtered to, if any. */
  status: string | undefined;
  csrf: string;
  host: string;
  /** Apply is offered only for a run that has not sent yet. */
  canApply: boolean;
  error?: string | undefined;
}

/** Review: the counts as filters, one page of the plan's rows, the money summary, guardrails, Apply. */
export function reviewPage(o: ReviewPageOptions): Html {
  const { run, plan } = o;
  const base = `/runs/${run.id}/review`;
  const sendable = plan.sendable;
  return html`<h1>Review ${run.meta.uploadName ?? run.id}</h1>
    <p>
      ${plural(plan.total, 'row')}, planned ${when(plan.planned)}.
      ${plan.readCurrent ? html`Current values read from <strong>${o.host}</strong> (nothing was sent).` : html`Current values were not read.`}
      ${run.meta.kind === 'rerun' ? html` This run sends again the rows of run <a href="/runs/${run.meta.parent ?? ''}">${run.meta.parent}</a> that did not succeed.` : ''}
      ${run.meta.kind === 'undo' ? html` This run puts back the values run <a href="/runs/${run.meta.parent ?? ''}">${run.meta.parent}</a> changed.` : ''}
    </p>
    ${o.error ? html`<p role="alert" class="error">${o.error}</p>` : ''}
    ${
      plan.warnings.length
        ? html`<ul class="warnings">
            ${plan.warnings.map((w) => html`<li>${w}</li>`)}
          </ul>`
        : ''
    }
    <nav aria-label="Rows by status" class="filters">
      <ul>
        <li><a href="${base}" ${o.status ? '' : html` aria-current="page"`}>all ${count(plan.total)}</a></li>
        ${PLAN_STATUSES.filter((status) => status !== 'failed' || plan.counts.failed > 0).map(
          (status) =>
            html`<li>
              <a
                href="${base}?status=${status}"
                class="status-${status}"
                ${o.status === status ? html` aria-current="page"` : ''}
                >${status.replace('_', ' ')} ${count(plan.counts[status])}</a
              >
            </li>`,
        )}
      </ul>
    </nav>
    ${rowsTable(o)} ${pager(o, base)} ${moneySummary(plan)} ${guardForm(run, o.csrf, o.canApply)}
    <section aria-labelledby="send-title" class="send">
      <h2 id="send-title">Send</h2>
      <p><a href="/runs/${run.id}/download/plan" download>Download plan</a></p>
      ${
        o.canApply
          ? html`<button type="button" data-opens="confirm" ${sendable === 0 ? html` disabled` : ''}>
                Apply ${plural(sendable, 'change')}
              </button>
              ${confirmDialog(o)}`
          : html`<p>This run is sending or has sent: see <a href="/runs/${run.id}">its page</a>.</p>`
      }
    </section> `;
}

function confirmDialog(o: ReviewPageOptions): Html {
  const { plan } = o;
  const notSent = PLAN_STATUSES.filter((s) => s !== 'change' && plan.counts[s] > 0);
  return html`<dialog id="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-text">
    <h2 id="confirm-title">Send ${plural(plan.sendable, 'change')} to ${o.host}?</h2>
    <div id="confirm-text">
      <p>
        ${plural(plan.sendable, 'update')} will be sent to <strong>${o.host}</strong>, the CAKE instance this
        server is connected to.
      </p>
      ${notSent.length ? html`<p>Not sent: ${notSent.map((s, i) => html`${i ? ', ' : ''}${count(plan.counts[s])} ${s.replace('_', ' ')}`)}.</p>` : ''}
      ${plan.carried ? html`<p>${plural(plan.carried, 'row')} already updated are carried over.</p>` : ''}
    </div>
    <form method="post" action="/runs/${o.run.id}/apply">
      ${csrfField(o.csrf)}
      <button type="submit">Send</button>
      <button type="submit" formmethod="dialog" formnovalidate>Cancel</button>
    </form>
  </dialog>`;
}

function rowsTable(o: ReviewPageOptions): Html {
  const { plan, page } = o;
  const header = (field: string) => plan.fields.find((f) => f.field === field)?.header;
  const idHeader = header('offer_id') ?? 'offer_id';
  const nameHeader = header('offer_name');
  const changing = plan.fields.filter((f) => f.field !== 'offer_id');
  const first = (page.page - 1) * page.pageSize + 1;
  const caption =
    page.rows.length === 0
      ? 'No rows'
      : `Rows ${count(first)} to ${count(first + page.rows.length - 1)}${o.status ? ` with status ${o.status}` : ''}`;
  return html`<table class="plan">
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Row</th>
        <th scope="col">Offer ID</th>
        <th scope="col">Offer name</th>
        <th scope="col">Status</th>
        <th scope="col">Changes</th>
        <th scope="col">Reason</th>
      </tr>
    </thead>
    <tbody>
      ${page.rows.map((r) => {
        const status = r.status ?? '';
        const problem = status === 'invalid' || status === 'blocked' || status === 'not_found';
        const name = r.before_offer_name || (nameHeader ? r[nameHeader] : '') || '';
        return html`<tr class="status-${status}${problem ? ' problem' : ''}">
          <td>${r.row}</td>
          <td>${r[idHeader]}</td>
          <td>${name}</td>
          <td>${status}</td>
          <td>
            <ul class="changes">
              ${changing.map((f) => change(f.field, r[f.header] ?? '', r))}
            </ul>
          </td>
          <td>${r.error ? html`${r.error} <code>${r.error_code}</code>` : ''}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** One field's change: `before -> after` with its change %, or the new value alone when before is unknown. */
/** The value a row asks for is the one the offer has: statuses by case, money by amount. */
function same(field: string, before: string, after: string): boolean {
  if (field === 'offer_status') return before.toLowerCase() === after.trim().toLowerCase();
  if (field === 'payout' || field === 'revenue') return before !== '' && Number(before) === Number(after);
  return before === after.trim();
}

function change(field: string, after: string, r: Record<string, string>): Html | string {
  if (after.trim() === '') return '';
  const before = r[`before_${field}`];
  const pct = r[`${field}_change_pct`];
  const label = field.replace('_', ' ');
  const text =
    before === undefined || before === ''
      ? `set to ${after}`
      : same(field, before, after)
        ? `${after} (no change)`
        : `${before} -> ${after}`;
  const sign = pct && /^[1-9]|^0\.0*[1-9]/.test(pct) ? '+' : '';
  return html`<li>
    <span class="field">${label}</span> ${text}${pct ? html` <span class="pct">(${sign}${pct}%)</span>` : ''}
  </li>`;
}

function pager(o: ReviewPageOptions, base: string): Html {
  const { page } = o;
  const link = (n: number) => `${base}?${o.status ? `status=${o.status}&` : ''}page=${n}`;
  return html`<nav aria-label="Pages" class="pager">
    ${page.page > 1 ? html`<a href="${link(page.page - 1)}" rel="prev">Previous page</a>` : ''}
    <span>Page ${count(page.page)}</span>
    ${page.hasNext ? html`<a href="${link(page.page + 1)}" rel="next">Next page</a>` : ''}
  </nav>`;
}
