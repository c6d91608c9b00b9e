import { html, type Html } from './html.js';

/** A refusal's page: no script, no navigation, nothing the refused request should not see. */
export function errorPage(title: string, text: string): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title} · cake-bulk</title>
        <link rel="stylesheet" href="/assets/app.css" />
      </head>
      <body>
        <main>
          <h1>${title}</h1>
          <p role="alert">${text}</p>
        </main>
      </body>
    </html> `;
}
