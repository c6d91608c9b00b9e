import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import type { AppEnv, WebContext } from './context.js';
import { planAndKeep } from './plan-run.js';
import { readTablePage } from './plan-table.js';
import { DEFAULT_SETTINGS, type GuardSettings } from './run-meta.js';
import { runPhase } from './run-phase.js';
import { RunBusyError } from './run-state.js';
import type { RunInfo } from './runs.js';
import { html } from './templates/html.js';
import { layout } from './templates/layout.js';
import { reviewPage } from './templates/review-page.js';
import { uploadPage } from './templates/upload-page.js';
import { receiveUpload } from './upload.js';

/** The state changes, each a POST from a form of this page (security.ts has checked Origin and CSRF). */
export function addActions(app: Hono<AppEnv>, web: WebContext): void {
  const maxUploadMb = Math.round((web.maxUploadBytes / 1024 / 1024) * 10) / 10;
  const uploadError = (c: Context<AppEnv>, status: 400 | 403 | 413 | 415 | 422 | 502, message: string) =>
    c.html(
      layout({
        title: 'Upload',
        host: web.host,
        body: uploadPage({ csrf: web.security.csrf, maxUploadMb, error: message }),
      }).text,
      status,
    );
  const missing = (c: Context<AppEnv>) =>
    c.html(layout({ title: 'No such run', host: web.host, body: html`<h1>No such run</h1>` }).text, 404);

  app.post('/upload', async (c) => {
    const got = await receiveUpload(c.env.incoming, {
      maxBytes: web.maxUploadBytes,
      checkCsrf: (value) =>
        web.security.checkCsrf(value) || web.security.checkCsrf(c.req.header('x-csrf-token')),
      makeRun: (name) =>
        web.workspace.create({
          source: 'page',
          kind: 'upload',
          uploadName: name,
          mode: 'apply',
          settings: DEFAULT_SETTINGS,
        }),
      removeRun: (id) => web.workspace.remove(id),
    });
    if (!got.ok) return uploadError(c, got.status, got.message);
    const planned = await plan(got.id);
    if (planned !== true) {
      web.workspace.remove(got.id);
      return uploadError(c, planned.status, `${got.name}: ${planned.message}`);
    }
    return c.redirect(`/runs/${got.id}/review`, 303);
  });

  app.post('/runs/:id/plan', async (c) => {
    const run = web.workspace.get(c.req.param('id') ?? '');
    if (!run?.input) return missing(c);
    if (runPhase(run, web.state.current()) === 'sending' || run.files.results) {
      return c.redirect(`/runs/${run.id}`, 303);
    }
    const body = await c.req.parseBody();
    if ('maxChangePct' in body) {
      web.workspace.saveMeta(run.id, { ...run.meta, settings: settingsFrom(body) });
    }
    const planned = await plan(run.id);
    if (planned !== true) {
      web.workspace.saveMeta(run.id, { ...web.workspace.get(run.id)!.meta, error: planned.message });
    }
    return c.redirect(`/runs/${run.id}/review`, 303);
  });

  app.post('/runs/:id/apply', async (c) => start(c, false));
  app.post('/runs/:id/resume', async (c) => start(c, true));

  app.post('/runs/:id/stop', (c) => {
    const id = c.req.param('id');
    web.state.stop(id);
    return c.redirect(`/runs/${id}`, 303);
  });

  app.post('/runs/:id/rerun', async (c) => followUp(c, 'rerun'));
  app.post('/runs/:id/undo', async (c) => followUp(c, 'undo'));

  const plan = (id: string) => planAndKeep(web.workspace, id, web.cake, web.log);

  async function start(c: Context<AppEnv>, resume: boolean) {
    const run = web.workspace.get(c.req.param('id') ?? '');
    if (!run?.input) return missing(c);
    const phase = runPhase(run, web.state.current());
    const allowed = resume ? phase === 'interrupted' : phase === 'planned';
    if (!allowed) return c.redirect(`/runs/${run.id}`, 303);
    try {
      web.state.start(run, resume);
    } catch (error) {
      if (!(error instanceof RunBusyError)) throw error;
      return busy(c, run, error);
    }
    return c.redirect(`/runs/${run.id}`, 303);
  }

  /** A second Apply while a run sends: the review page again, with the refusal naming the running one. */
  async function busy(c: Context<AppEnv>, run: RunInfo, error: RunBusyError) {
    const message = `Not sent: run ${error.running.id} (${error.running.label}) is sending now, and only one run sends at a time. Wait for it to finish, or stop it, then apply this one.`;
    if (!run.meta.plan || !run.files.plan) return c.text(message, 409);
    const rows = await readTablePage(run.files.plan, { statuses: [], page: 1, pageSize: 50 });
    const body = reviewPage({
      run,
      plan: run.meta.plan,
      page: rows,
      status: undefined,
      csrf: web.security.csrf,
      host: web.host,
      canApply: true,
      error: message,
    });
    return c.html(layout({ title: 'Review', host: web.host, body }).text, 409);
  }

  /** Rerun failed rows / Undo this run: a new run reading this one's results or undo file, planned first. */
  async function followUp(c: Context<AppEnv>, kind: 'rerun' | 'undo') {
    const parent = web.workspace.get(c.req.param('id') ?? '');
    const source = kind === 'rerun' ? parent?.files.results : parent?.files.undo;
    if (!parent || !source) return missing(c);
    const created = web.workspace.create({
      source: 'page',
      kind,
      parent: parent.id,
      uploadName: `${kind === 'rerun' ? 'rerun of' : 'undo of'} ${parent.meta.uploadName ?? parent.id}`,
      mode: kind === 'rerun' ? 'rerun' : 'apply',
      settings: parent.meta.settings,
    });
    await copyFile(source, join(created.dir, 'input.csv'));
    const planned = await plan(created.id);
    if (planned !== true) {
      web.workspace.remove(created.id);
      return c.html(
        layout({
          title: 'Not planned',
          host: web.host,
          body: html`<h1>Could not plan it</h1>
            <p role="alert" class="error">${planned.message}</p>
            <p><a href="/runs/${parent.id}">Back to the run</a></p>`,
        }).text,
        planned.status,
      );
    }
    return c.redirect(`/runs/${created.id}/review`, 303);
  }
}

function settingsFrom(body: Record<string, unknown>): GuardSettings {
  const text = String(body.maxChangePct ?? '').trim();
  const pct = Number(text);
  const valid = text !== '' && Number.isFinite(pct) && pct >= 0;
  return {
    maxChangePct: body.noLimit === '1' ? 'off' : valid ? pct : DEFAULT_SETTINGS.maxChangePct,
    allowNegativeMargin: body.allowNegativeMargin === '1',
    allowExpired: body.allowExpired === '1',
  };
}
