import { pace } from '../pace.js';
import type { Failure, LiveRun } from '../run-state.js';
import type { RunInfo } from '../runs.js';
import { html, type Html } from './html.js';
import { count, countList, duration, plural, postButton } from './parts.js';

/** The statuses a send ends rows with, in the order the page lists them. */
export const SEND_STATUSES = ['updated', 'failed', 'skipped', 'unchanged', 'blocked', 'not_found', 'invalid'];

/** Run: live progress over server-sent events, the failures as they happen, and Stop. */
export function runPage(run: RunInfo, live: LiveRun, csrf: string): Html {
  return html`<h1>Sending ${live.label}</h1>
    <div class="live" hx-ext="sse" sse-connect="/runs/${run.id}/events" sse-close="done">
      <div id="progress" sse-swap="progress">${progressPart(live)}</div>
      <div sse-swap="done" data-done-target></div>
      <h2 id="failures-title">Failures</h2>
      <table aria-labelledby="failures-title" class="failures">
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Offer ID</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody id="failures" sse-swap="failure" hx-swap="beforeend">
          ${live.failures.map(failureRow)}
        </tbody>
      </table>
    </div>
    <div id="stop-control">${live.stopping ? '' : postButton(`/runs/${run.id}/stop`, 'Stop', csrf)}</div>
    <p class="hint">Closing this tab does not stop the run; come back to this page to see where it is.</p> `;
}

/** The part of the run page each `progress` event replaces. */
export function progressPart(live: LiveRun): Html {
  const { rowsPerSecond, secondsLeft } = pace(live);
  const max = Math.max(live.max, live.sent, 1);
  return html`<progress aria-label="Rows sent" value="${Math.min(live.sent, max)}" max="${max}">
      ${count(live.sent)} of ${count(live.max)}
    </progress>
    <p class="pace">
      <span>${count(live.sent)} of ${plural(live.max, 'row')} sent</span>
      <span>${rowsPerSecond.toFixed(1)} rows/s</span>
      <span
        >${secondsLeft === undefined ? 'time left: working it out' : `about ${duration(secondsLeft)} left`}</span
      >
    </p>
    ${countList(live.counts, SEND_STATUSES, 'Rows by status')}
    ${live.stopping && !live.finished ? html`<p role="status">Stopping: no new rows are sent; requests in flight finish.</p>` : ''}`;
}

/** One row of the failures table, as a `failure` event appends it. */
export function failureRow(f: Failure): Html {
  return html`<tr>
    <td>${f.row}</td>
    <td>${f.offerId}</td>
    <td>${f.message} <code>${f.code}</code></td>
  </tr>`;
}

/**
 * What the `done` event puts on the run page: how it ended (a refusal in words, as `run.json` keeps it),
 * where to go next, and Stop taken away.
 */
export function donePart(run: RunInfo, stopped: boolean): Html {
  const error = run.meta.error;
  return html`${
      error
        ? html`<p role="alert" class="error">${error}</p>`
        : html`<p role="status">${stopped ? 'The run has stopped.' : 'The run has ended.'}</p>`
    }
    <p><a href="/runs/${run.id}">See the results</a></p>
    <div id="stop-control" hx-swap-oob="true"></div>`;
}

/** A run that stopped before the end (Stop, Ctrl-C, the server killed): Resume continues from the journal. */
export function interruptedPage(run: RunInfo, csrf: string, busy: LiveRun | undefined, error?: string): Html {
  const s = run.summary;
  return html`<h1>Interrupted: ${run.meta.uploadName ?? run.id}</h1>
    ${error ? html`<p role="alert" class="error">${error}</p>` : ''}
    <p>
      This run stopped before the end${s?.stopped ? ` (${s.stopped})` : ''}. Resume continues from its
      journal: rows already updated are not sent again.
    </p>
    ${s ? countList(s.counts, SEND_STATUSES, 'Rows by status') : ''}
    ${busy ? html`<p role="status">Run <a href="/runs/${busy.id}">${busy.label}</a> is sending; resume this one when it ends.</p>` : ''}
    ${postButton(`/runs/${run.id}/resume`, 'Resume', csrf, busy !== undefined)}
    <p>${run.files.log ? html`<a href="/runs/${run.id}/download/log" download>Download log</a>` : ''}</p>
    <p class="hint">
      On the command line: <code>cake-bulk ${run.meta.mode} ${commandPath(run)} --resume</code>
    </p> `;
}

/** The run's input as a path from the workspace, for the command line hints. */
export function commandPath(run: RunInfo): string {
  const name = run.input?.split(/[\\/]/).pop() ?? '';
  return `runs/${run.id}/${name}`;
}
