import { join, resolve } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolveEndpoint } from '../cake/endpoint.js';
import { describeError } from '../errors.js';
import { createRedactor } from '../redact.js';
import { resolveOptions } from '../run/resolve-options.js';
import { addActions } from './actions.js';
import type { AppEnv, WebContext } from './context.js';
import { addFiles } from './files.js';
import { addPages } from './pages.js';
import { planAndKeep } from './plan-run.js';
import { createRunState, type SendSettings } from './run-state.js';
import { createWorkspace } from './runs.js';
import { createSecurity } from './security.js';
import { addEvents } from './sse.js';
import { errorPage } from './templates/error.js';

export interface WebServerOptions {
  /** The workspace: one folder a run under `<dir>/runs/`. */
  dir: string;
  /** CAKE admin base URL. */
  baseUrl: string;
  /** API key: used by the library only, never shown, sent to the browser or logged. */
  apiKey: string;
  /** Port on 127.0.0.1; 0 picks a free one. @default 4020 */
  port?: number;
  /** Largest upload accepted, in bytes. @default 200 MB */
  maxUploadBytes?: number;
  /** How runs send (concurrency, rate, retries). @default the library's */
  send?: SendSettings;
  /** Lines for the server's own output (run-level problems), already scrubbed of the key. @default none */
  onLog?: (line: string) => void;
}

export interface WebServer {
  /** The address to open, with the token: `http://127.0.0.1:4020/?token=...`. */
  url: string;
  /** `http://127.0.0.1:4020` */
  origin: string;
  port: number;
  /** Stops a run that is sending (as Ctrl-C does), waits for it to be recorded, stops listening. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4020;
export const DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

/**
 * Starts the local web page on 127.0.0.1: upload, review, apply, rerun and undo, through the same
 * library functions the command line uses, on the same files.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  // The key, URL and send settings checked as a run would check them, before anything listens.
  resolveOptions({
    input: join(options.dir, 'runs', 'input.csv'),
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    ...options.send,
  });
  const endpoint = resolveEndpoint(options.baseUrl);
  const redact = createRedactor(options.apiKey);
  const log = (line: string) => options.onLog?.(redact(line));
  const workspace = createWorkspace(resolve(options.dir));
  const security = createSecurity();
  const cake = { baseUrl: options.baseUrl, apiKey: options.apiKey, send: options.send ?? {} };
  const web: WebContext = {
    workspace,
    state: createRunState({
      workspace,
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      send: options.send ?? {},
      onError: log,
      replan: (id) => planAndKeep(workspace, id, cake, log),
    }),
    security,
    host: new URL(endpoint.origin).host,
    cake,
    maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    log,
  };

  const app = new Hono<AppEnv>();
  app.use('*', security.middleware);
  addPages(app, web);
  addActions(app, web);
  addEvents(app, web);
  addFiles(app, web);
  app.notFound((c) => c.html(errorPage('Not found', 'There is no page at this address.').text, 404));
  app.onError((error, c) => {
    const message = describeError(error, options.apiKey);
    log(`${c.req.method} ${c.req.path}: ${message}`);
    return c.html(errorPage('Something went wrong', message).text, 500);
  });

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  security.bind(port);
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${security.token}`,
    origin,
    port,
    async close() {
      await web.state.close();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}
