import type { LiveRun } from '../run-state.js';
import type { RunInfo } from '../runs.js';
import { runPhase } from '../run-phase.js';
import { html, type Html } from './html.js';
import { count, when } from './parts.js';

/** History: every run in the workspace, newest first, the CLI's included. */
export function historyPage(runs: RunInfo[], live: LiveRun | undefined): Html {
  return html`<h1>History</h1>
    ${
      runs.length === 0
        ? html`<p>No runs yet: <a href="/">upload a spreadsheet</a>.</p>`
        : html`<table class="history">
            <caption>
              ${count(runs.length)} runs in the workspace, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">File</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Rows</th>
                <th scope="col">Updated</th>
                <th scope="col">Failed</th>
                <th scope="col">Invalid</th>
                <th scope="col">Files</th>
              </tr>
            </thead>
            <tbody>
              ${runs.map((run) => {
                const counts = run.summary?.counts ?? {};
                const plan = run.meta.plan;
                return html`<tr>
                  <td>${when(run.meta.created)}</td>
                  <td>
                    <a href="/runs/${run.id}"
                      >${run.meta.uploadName ?? run.input?.split(/[\\/]/).pop() ?? run.id}</a
                    >
                  </td>
                  <td>${run.meta.source === 'cli' ? 'command line' : run.meta.kind}</td>
                  <td>${runPhase(run, live)}</td>
                  <td>${count(counts.total ?? plan?.total ?? 0)}</td>
                  <td>${count(counts.updated ?? 0)}</td>
                  <td>${count(counts.failed ?? 0)}</td>
                  <td>${count(counts.invalid ?? plan?.counts.invalid ?? 0)}</td>
                  <td>
                    ${run.files.results ? html`<a href="/runs/${run.id}/download/results" download aria-label="Results of ${run.id}">results</a>` : ''}
                    ${run.files.log ? html` <a href="/runs/${run.id}/download/log" download aria-label="Log of ${run.id}">log</a>` : ''}
                  </td>
                </tr>`;
              })}
            </tbody>
          </table>`
    } `;
}
