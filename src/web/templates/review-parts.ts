import type { Move, PlanSummary } from '../run-meta.js';
import type { RunInfo } from '../runs.js';
import { html, type Html } from './html.js';
import { count, csrfField } from './parts.js';

/** The biggest payout and revenue moves, and the status changes by kind. */
export function moneySummary(plan: PlanSummary): Html {
  const moves = plan.moves ?? {};
  const lists: Array<[string, Move[]]> = [];
  for (const field of ['payout', 'revenue']) {
    const m = moves[field];
    if (m?.up.length) lists.push([`${field} up`, m.up]);
    if (m?.down.length) lists.push([`${field} down`, m.down]);
  }
  const statuses = plan.statusChanges ?? [];
  if (lists.length === 0 && statuses.length === 0) return html``;
  return html`<section aria-labelledby="money-title" class="money">
    <h2 id="money-title">Money summary</h2>
    ${lists.map(
      ([title, list]) =>
        html`<table class="moves">
          <caption>
            Biggest moves: ${title}
          </caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Offer ID</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            ${list.map(
              (m) =>
                html`<tr>
                  <td>${m.row}</td>
                  <td>${m.offerId}</td>
                  <td>${m.before}</td>
                  <td>${m.after}</td>
                  <td>
                    ${m.changePct === undefined ? '' : `${Number(m.changePct) > 0 ? '+' : ''}${m.changePct}%`}
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>`,
    )}
    ${
      statuses.length
        ? html`<table class="status-changes">
            <caption>
              Status changes
            </caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              ${statuses.map(
                (s) =>
                  html`<tr>
                    <td>${s.from}</td>
                    <td>${s.to}</td>
                    <td>${count(s.rows)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
  </section>`;
}

/** One guardrail switch of the form, posted as `1` when on. */
function checkbox(
  id: string,
  name: string,
  checked: boolean | undefined,
  enabled: boolean,
  label: string,
): Html {
  return html`<p>
    <input
      id="${id}"
      name="${name}"
      type="checkbox"
      value="1"
      ${checked ? html` checked` : ''}${enabled ? '' : html` disabled`}
    />
    <label for="${id}">${label}</label>
  </p>`;
}

/** The guardrails in use, changeable; submitting plans the run again with them. */
export function guardForm(run: RunInfo, csrf: string, enabled: boolean): Html {
  const s = run.meta.settings;
  const off = s.maxChangePct === 'off';
  return html`<section aria-labelledby="guard-title" class="guards">
    <h2 id="guard-title">Guardrails</h2>
    <p>Rows outside these are <strong>blocked</strong>: shown here, never sent.</p>
    <form method="post" action="/runs/${run.id}/plan">
      ${csrfField(csrf)}
      <p>
        <label for="max-change">Largest payout or revenue change allowed (%)</label>
        <input
          id="max-change"
          name="maxChangePct"
          type="number"
          min="0"
          step="any"
          value="${off ? '' : s.maxChangePct}"
          ${enabled ? '' : html` disabled`}
        />
      </p>
      ${checkbox('no-limit', 'noLimit', off, enabled, 'No limit on the size of a change')}
      ${checkbox(
        'negative-margin',
        'allowNegativeMargin',
        s.allowNegativeMargin,
        enabled,
        'Allow a payout above the revenue (negative margin)',
      )}
      ${checkbox(
        'allow-expired',
        'allowExpired',
        s.allowExpired,
        enabled,
        'Allow making an offer active whose expiration date has passed',
      )}
      <button type="submit" ${enabled ? '' : html` disabled`}>Re-plan</button>
    </form>
  </section>`;
}
