import { html, type Html } from './html.js';
import { csrfField } from './parts.js';

export interface UploadPageOptions {
  csrf: string;
  maxUploadMb: number;
  error?: string | undefined;
  /** The run sending now, so a person knows before uploading. */
  running?: { id: string; label: string } | undefined;
}

/** Upload: one file field and a Review button; the whole page takes a dropped file too (assets/app.js). */
export function uploadPage({ csrf, maxUploadMb, error, running }: UploadPageOptions): Html {
  return html`<h1>Upload a spreadsheet</h1>
    <p>
      A CSV (UTF-8), TSV or .xlsx of offer changes, one row per offer, up to ${maxUploadMb} MB. Review shows
      every row against the offer's current values before anything is sent.
    </p>
    ${error ? html`<p role="alert" class="error">${error}</p>` : ''}
    ${running ? html`<p role="status">Run <a href="/runs/${running.id}">${running.label}</a> is sending now.</p>` : ''}
    <form method="post" action="/upload" enctype="multipart/form-data" class="upload" data-drop-target>
      ${csrfField(csrf)}
      <label for="spreadsheet">Spreadsheet</label>
      <input
        id="spreadsheet"
        name="spreadsheet"
        type="file"
        accept=".csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        required
        aria-describedby="drop-hint"
      />
      <p id="drop-hint" class="hint">You can also drop the file anywhere on this page.</p>
      <button type="submit">Review</button>
    </form> `;
}
