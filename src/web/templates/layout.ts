import { html, type Html, type Interpolation } from './html.js';

export interface LayoutOptions {
  title: string;
  /** The CAKE host the server sends to, shown on every page. */
  host: string;
  body: Interpolation;
}

/** Every page's frame: its own script and style files only (the CSP allows nothing inline). */
export function layout({ title, host, body }: LayoutOptions): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta
          name="htmx-config"
          content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'
        />
        <title>${title} · cake-bulk</title>
        <link rel="stylesheet" href="/assets/app.css" />
        <script src="/assets/htmx.min.js" defer></script>
        <script src="/assets/sse.min.js" defer></script>
        <script src="/assets/app.js" defer></script>
      </head>
      <body>
        <header class="top">
          <nav aria-label="Main"><a href="/">Upload</a> <a href="/history">History</a></nav>
          <p class="host">CAKE: <strong>${host}</strong></p>
        </header>
        <main>${body}</main>
      </body>
    </html> `;
}
