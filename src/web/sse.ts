import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv, WebContext } from './context.js';
import type { RunEvent } from './run-state.js';
import { donePart, failureRow, progressPart } from './templates/run-page.js';

const HEARTBEAT_MS = 15_000;

/**
 * A run's live progress as server-sent events of HTML (htmx's SSE extension swaps them in): `progress`
 * (the bar, the pace, the counts), `failure` (a row for the failures table), `done` (then the stream ends).
 */
export function addEvents(app: Hono<AppEnv>, web: WebContext): void {
  app.get('/runs/:id/events', (c) => {
    const run = web.workspace.get(c.req.param('id'));
    if (!run) return c.text('Not found', 404);
    return streamSSE(c, async (stream) => {
      const live = web.state.current();
      if (!live || live.id !== run.id) {
        // Ended before this page connected: a journal left behind says it stopped short.
        const now = web.workspace.get(run.id) ?? run;
        await stream.writeSSE({ event: 'done', data: donePart(now, now.files.journal !== undefined).text });
        return;
      }
      let writing = Promise.resolve();
      const send = (event: string, data: string) => {
        writing = writing.then(() => stream.writeSSE({ event, data })).catch(() => undefined);
        return writing;
      };
      let ended!: () => void;
      const over = new Promise<void>((resolve) => (ended = resolve));
      const unsubscribe = web.state.subscribe(run.id, (event: RunEvent) => {
        if (event.type === 'progress') void send('progress', progressPart(event.run).text);
        else if (event.type === 'failure') void send('failure', failureRow(event.failure).text);
        else {
          void send('progress', progressPart(event.run).text);
          const now = web.workspace.get(run.id) ?? run;
          void send('done', donePart(now, event.run.stopping).text).then(ended);
        }
      });
      const heartbeat = setInterval(
        () => void stream.write(': still here\n\n').catch(() => undefined),
        HEARTBEAT_MS,
      );
      stream.onAbort(() => ended());
      if (live.finished)
        void send('done', donePart(web.workspace.get(run.id) ?? run, live.stopping).text).then(ended);
      await send('progress', progressPart(live).text);
      await over;
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
