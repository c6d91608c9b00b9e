import { createReadStream, readFileSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import type { AppEnv, WebContext } from './context.js';

const require = createRequire(import.meta.url);
/** The page's own files; the same path from `src/web/` (tsx) and from `dist/web/` (the build). */
const OWN = new URL('../../src/web/assets/', import.meta.url);

/** The scripts and styles the pages load: htmx and its SSE extension from node_modules, by path, and ours. */
const ASSETS: Record<string, { path: string; type: string }> = {
  'htmx.min.js': { path: require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript' },
  'sse.min.js': { path: require.resolve('htmx-ext-sse/dist/sse.min.js'), type: 'text/javascript' },
  'app.js': { path: new URL('app.js', OWN).pathname, type: 'text/javascript' },
  'app.css': { path: new URL('app.css', OWN).pathname, type: 'text/css' },
};

/** What each download is, and the name the browser saves it under. */
const DOWNLOADS = {
  plan: { type: 'text/csv; charset=utf-8', suffix: 'plan.csv' },
  results: { type: 'text/csv; charset=utf-8', suffix: 'results.csv' },
  undo: { type: 'text/csv; charset=utf-8', suffix: 'undo.csv' },
  log: { type: 'application/x-ndjson; charset=utf-8', suffix: 'log.jsonl' },
} as const;

export function addFiles(app: Hono<AppEnv>, web: WebContext): void {
  const loaded = new Map(
    Object.entries(ASSETS).map(([name, a]) => [name, { ...a, body: readFileSync(a.path) }]),
  );

  app.get('/assets/:name', (c) => {
    const asset = loaded.get(c.req.param('name'));
    if (!asset) return c.text('Not found', 404);
    return c.body(asset.body, 200, { 'Content-Type': asset.type });
  });

  app.get('/runs/:id/download/:kind', async (c) => {
    const run = web.workspace.get(c.req.param('id'));
    const kind = c.req.param('kind');
    if (!run || !(kind in DOWNLOADS)) return c.text('Not found', 404);
    const download = DOWNLOADS[kind as keyof typeof DOWNLOADS];
    const path = run.files[kind as keyof typeof DOWNLOADS];
    // Only the run's own regular files: never a link planted in the folder.
    const stat = path ? await lstat(path).catch(() => undefined) : undefined;
    if (!path || !stat?.isFile()) return c.text('Not found', 404);
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return c.body(body, 200, {
      'Content-Type': download.type,
      'Content-Length': String(stat.size),
      'Content-Disposition': `attachment; filename="${run.id}.${download.suffix}"`,
    });
  });
}
