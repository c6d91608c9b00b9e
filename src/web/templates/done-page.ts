import type { RunInfo } from '../runs.js';
import { html, type Html } from './html.js';
import { countList, plural, postButton, when } from './parts.js';
import { commandPath, SEND_STATUSES } from './run-page.js';

/** Done: the counts, the downloads, and the two follow-ups, each of which is planned and reviewed first. */
export function donePage(run: RunInfo, csrf: string, error?: string): Html {
  const s = run.summary;
  const counts = s?.counts ?? {};
  const again = (counts.failed ?? 0) + (counts.skipped ?? 0);
  const canUndo = run.files.undo !== undefined && (counts.updated ?? 0) > 0;
  return html`<h1>Done: ${run.meta.uploadName ?? run.id}</h1>
    ${error ? html`<p role="alert" class="error">${error}</p>` : ''}
    <p>
      ${s?.finished ? `Finished ${when(s.finished)}.` : ''}
      ${counts.total !== undefined ? plural(counts.total, 'row') : ''} in the file.
    </p>
    ${countList(counts, SEND_STATUSES, 'Rows by status')}
    <ul class="downloads">
      ${run.files.results ? html`<li><a href="/runs/${run.id}/download/results" download>Download results</a></li>` : ''}
      ${run.files.undo ? html`<li><a href="/runs/${run.id}/download/undo" download>Download undo file</a></li>` : ''}
      ${run.files.log ? html`<li><a href="/runs/${run.id}/download/log" download>Download log</a></li>` : ''}
      ${run.files.plan ? html`<li><a href="/runs/${run.id}/review">Review the plan again</a></li>` : ''}
    </ul>
    <div class="actions">
      ${postButton(`/runs/${run.id}/rerun`, 'Rerun failed rows', csrf, again === 0)}
      ${postButton(`/runs/${run.id}/undo`, 'Undo this run', csrf, !canUndo)}
    </div>
    <p class="hint">
      ${again === 0 ? 'No row failed or was skipped. ' : `${plural(again, 'row')} can be sent again. `}Both
      buttons plan first and show the Review page; nothing is sent until you confirm.
    </p>
    <p class="hint">
      On the command line:
      <code>cake-bulk rerun runs/${run.id}/${run.files.results?.split(/[\\/]/).pop() ?? ''}</code> (the input:
      <code>${commandPath(run)}</code>)
    </p> `;
}
