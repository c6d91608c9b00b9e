import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { NO_FAULTS } from './faults.js';
import { createGate, send } from './gate.js';
import { listOffers, parseListQuery } from './list-offers.js';
import { createOfferStore, echoOf, type OfferStore } from './offers.js';
import { resolveSandboxOptions, checkWholeNumber, type SandboxOptions } from './options.js';

export type { SandboxOptions } from './options.js';

/** What the simulator saw, for tests and benchmarks. */
export interface SandboxStats {
  /** update_offer requests, whatever their answer; the same number as `updates`. */
  requests: number;
  /** update_offer requests, whatever their answer. */
  updates: number;
  /** List Offers requests, whatever their answer. */
  reads: number;
  /** Offers sent in List Offers pages that reached the client whole (not reset or malformed). */
  rowsRead: number;
  inFlight: number;
  maxInFlight: number;
  connections: number;
  /** Updates stored. */
  applied: number;
  /** Answers by kind (`answer`, `401`, `429`, a fault's name...), reads and updates together. */
  byAnswer: Record<string, number>;
  /** Milliseconds requests spent in the simulator, summed: its real latency, which a busy machine stretches. */
  busyMs: number;
}

export interface Sandbox {
  url: string;
  port: number;
  stats: SandboxStats;
  store: OfferStore;
  /** Changes faults, latency, rate limit or page size while running. */
  configure(
    options: Pick<
      SandboxOptions,
      'faults' | 'latencyMs' | 'maxRps' | 'apiKey' | 'retryAfterSeconds' | 'maxRowLimit'
    >,
  ): void;
  /** Stops listening and drops every connection: clients see connection refused until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** The paths CAKE serves, under whatever base path the instance has. */
const UPDATE_PATH = /\/api\/2\/update_offer\.json$/;
const LIST_PATH = /\/api\/2\/offers\.json$/;

/**
 * Starts the CAKE simulator on 127.0.0.1: update_offer (POST, key in the JSON body) and List Offers (GET,
 * key in the query string) over one seeded catalog, with the same latency, rate limit and fault stream.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const resolved = resolveSandboxOptions(options);
  const settings = { ...resolved };
  const store = createOfferStore(resolved);
  const stats: SandboxStats = {
    requests: 0,
    updates: 0,
    reads: 0,
    rowsRead: 0,
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    applied: 0,
    byAnswer: {},
    busyMs: 0,
  };
  const sockets = new Set<Socket>();
  const count = (answer: string) => (stats.byAnswer[answer] = (stats.byAnswer[answer] ?? 0) + 1);
  const { admit, answer, setMaxRps } = createGate(settings, { ...resolved, count });

  async function update(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    stats.requests++;
    stats.updates++;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      count('400');
      return send(res, 400, { request_status: 'Failure', message: 'Body is not JSON' });
    }
    const fault = await admit(req, res, body.api_key);
    if (fault === undefined) return;
    const result = store.apply(body);
    if (result.ok) stats.applied++;
    answer(
      req,
      res,
      fault,
      result.ok
        ? { request_status: 'Success', offer: echoOf(result.offer) }
        : { request_status: 'Failure', message: result.message },
    );
  }

  async function read(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    stats.reads++;
    const fault = await admit(req, res, params.get('api_key'));
    if (fault === undefined) return;
    const parsed = parseListQuery(params);
    if (!parsed.ok) {
      answer(req, res, fault, { request_status: 'Failure', message: parsed.message });
      return;
    }
    const page = listOffers(store, parsed.query, settings.maxRowLimit);
    const body = {
      request_status: 'Success',
      offers: page.offers.map((offer) => ({ offer })),
      total_rows: page.totalRows,
    };
    if (answer(req, res, fault, body)) stats.rowsRead += page.offers.length;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname === '/_sandbox/stats' && req.method === 'GET') return send(res, 200, stats);
    if (url.pathname.startsWith('/_sandbox/offers') && req.method === 'GET') {
      return send(res, 200, {
        offers: [...store.offers.values()],
        updates: Object.fromEntries(store.updates),
      });
    }
    if (url.pathname === '/_sandbox/config' && req.method === 'POST') {
      sandbox.configure(JSON.parse(text) as SandboxOptions);
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && UPDATE_PATH.test(url.pathname)) return update(req, res, text);
    if (req.method === 'GET' && LIST_PATH.test(url.pathname)) return read(req, res, url.searchParams);
    count('404');
    return send(res, 404, { request_status: 'Failure', message: 'Not found' });
  }

  const server = createServer((req, res) => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const arrived = performance.now();
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        stats.inFlight--;
        stats.busyMs += performance.now() - arrived;
      }
    };
    res.on('finish', done);
    res.on('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => {
        if (!res.headersSent) send(res, 500, { request_status: 'Failure', message: 'Internal error' });
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  let port = resolved.port;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  await listen();

  const sandbox: Sandbox = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stats,
    store,
    configure(next) {
      if (next.faults) settings.faults = { ...NO_FAULTS, ...next.faults };
      if (next.latencyMs !== undefined) settings.latencyMs = next.latencyMs;
      if (next.apiKey !== undefined) settings.apiKey = next.apiKey;
      if (next.retryAfterSeconds !== undefined) settings.retryAfterSeconds = next.retryAfterSeconds;
      if ('maxRps' in next) setMaxRps(next.maxRps);
      if (next.maxRowLimit !== undefined) {
        checkWholeNumber('maxRowLimit', next.maxRowLimit, 1, Number.MAX_SAFE_INTEGER);
        settings.maxRowLimit = next.maxRowLimit;
      }
    },
    down: stop,
    up: listen,
    close: stop,
  };
  return sandbox;
}
