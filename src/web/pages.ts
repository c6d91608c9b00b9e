import type { Hono } from 'hono';
import type { AppEnv, WebContext } from './context.js';
import { readTablePage } from './plan-table.js';
import { PLAN_STATUSES } from './run-meta.js';
import { runPhase } from './run-phase.js';
import { donePage } from './templates/done-page.js';
import { historyPage } from './templates/history-page.js';
import { html, type Html } from './templates/html.js';
import { layout } from './templates/layout.js';
import { postButton } from './templates/parts.js';
import { reviewPage } from './templates/review-page.js';
import { interruptedPage, runPage } from './templates/run-page.js';
import { uploadPage } from './templates/upload-page.js';

const PAGE_SIZE = 50;

/** The pages: Upload, Review, Run, Done (one address a run, showing where it is), History. */
export function addPages(app: Hono<AppEnv>, web: WebContext): void {
  const page = (title: string, body: Html) => layout({ title, host: web.host, body }).text;
  const maxUploadMb = Math.round((web.maxUploadBytes / 1024 / 1024) * 10) / 10;

  app.get('/', (c) => {
    const running = web.state.current();
    return c.html(page('Upload', uploadPage({ csrf: web.security.csrf, maxUploadMb, running })));
  });

  app.get('/history', (c) => c.html(page('History', historyPage(web.workspace.list(), web.state.current()))));

  app.get('/runs/:id', (c) => {
    const run = web.workspace.get(c.req.param('id'));
    if (!run) return c.html(page('No such run', html`<h1>No such run</h1>`), 404);
    const live = web.state.current();
    const csrf = web.security.csrf;
    const error = run.meta.error;
    switch (runPhase(run, live)) {
      case 'sending':
        return c.html(page('Sending', runPage(run, live!, csrf)));
      case 'interrupted':
        return c.html(page('Interrupted', interruptedPage(run, csrf, live, error)));
      case 'done':
        return c.html(page('Done', donePage(run, csrf, error)));
      case 'planned':
        return c.redirect(`/runs/${run.id}/review`, 303);
      default:
        return c.html(
          page(
            'Not planned',
            html`<h1>${run.meta.uploadName ?? run.id}</h1>
              <p>
                This run has not been planned yet${run.input ? '' : ', and its folder holds no spreadsheet'}.
              </p>
              ${run.input ? postButton(`/runs/${run.id}/plan`, 'Review', csrf) : ''}`,
          ),
        );
    }
  });

  app.get('/runs/:id/review', async (c) => {
    const run = web.workspace.get(c.req.param('id'));
    if (!run) return c.html(page('No such run', html`<h1>No such run</h1>`), 404);
    if (!run.meta.plan || !run.files.plan) return c.redirect(`/runs/${run.id}`, 303);
    const asked = c.req.query('status');
    const status = (PLAN_STATUSES as readonly string[]).includes(asked ?? '') ? asked : undefined;
    const number = Math.max(1, Math.min(1e7, Math.floor(Number(c.req.query('page') ?? 1)) || 1));
    const statuses = status ? [status] : [];
    const rows = await readTablePage(run.files.plan, { statuses, page: number, pageSize: PAGE_SIZE });
    const phase = runPhase(run, web.state.current());
    return c.html(
      page(
        'Review',
        reviewPage({
          run,
          plan: run.meta.plan,
          page: rows,
          status,
          csrf: web.security.csrf,
          host: web.host,
          canApply: phase === 'planned',
          error: run.meta.error,
        }),
      ),
    );
  });
}
