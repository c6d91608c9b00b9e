import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { NO_FAULTS, pickFault, seededRandom, type FaultRates } from './faults.js';
import { createOfferStore, type OfferStore } from './offers.js';

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** The key the simulator accepts; anything else is answered 401. @default 'sandbox-key' */
  apiKey?: string;
  /** Delay before every answer, in ms. @default 0 */
  latencyMs?: number;
  /** Fault shares, combined and drawn from one seeded stream. @default none */
  faults?: Partial<FaultRates>;
  /** Seed for the fault stream. @default 1 */
  seed?: number;
  /** Retry-After sent with 429 answers, in seconds. @default 1 */
  retryAfterSeconds?: number;
  /** Requests per second accepted at most (token bucket); beyond it 429 with Retry-After. @default unlimited */
  maxRps?: number;
  /** Offers 1..maxOfferId exist. @default 10000000 */
  maxOfferId?: number;
  /** Payouts are stored rounded to this many decimals (a real instance's precision). @default 4 */
  payoutDecimals?: number;
}

/** What the simulator saw, for tests and benchmarks. */
export interface SandboxStats {
  requests: number;
  inFlight: number;
  maxInFlight: number;
  connections: number;
  applied: number;
  byAnswer: Record<string, number>;
  /** Milliseconds requests spent in the simulator, summed: its real latency, which a busy machine stretches. */
  busyMs: number;
}

export interface Sandbox {
  url: string;
  port: number;
  stats: SandboxStats;
  store: OfferStore;
  /** Changes faults, latency or rate limit while running. */
  configure(
    options: Pick<SandboxOptions, 'faults' | 'latencyMs' | 'maxRps' | 'apiKey' | 'retryAfterSeconds'>,
  ): void;
  /** Stops listening and drops every connection: clients see connection refused until `up`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the CAKE simulator on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  let apiKey = options.apiKey ?? 'sandbox-key';
  let latencyMs = options.latencyMs ?? 0;
  let faults: FaultRates = { ...NO_FAULTS, ...options.faults };
  let retryAfter = options.retryAfterSeconds ?? 1;
  let maxRps = options.maxRps;
  let tokens = maxRps ?? 0;
  let refilledAt = Date.now();
  const random = seededRandom(options.seed ?? 1);
  const store = createOfferStore(options.maxOfferId ?? 10_000_000, options.payoutDecimals ?? 4);
  const stats: SandboxStats = {
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    connections: 0,
    applied: 0,
    byAnswer: {},
    busyMs: 0,
  };
  const sockets = new Set<Socket>();

  const count = (answer: string) => (stats.byAnswer[answer] = (stats.byAnswer[answer] ?? 0) + 1);
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const withinRate = (): boolean => {
    if (maxRps === undefined) return true;
    const now = Date.now();
    tokens = Math.min(maxRps, tokens + ((now - refilledAt) / 1000) * maxRps);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  async function handle(req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    if (req.url === '/_sandbox/stats' && req.method === 'GET') return send(res, 200, stats);
    if (req.url?.startsWith('/_sandbox/offers') && req.method === 'GET') {
      return send(res, 200, {
        offers: [...store.offers.values()],
        updates: Object.fromEntries(store.updates),
      });
    }
    if (req.url === '/_sandbox/config' && req.method === 'POST') {
      sandbox.configure(JSON.parse(text) as SandboxOptions);
      return send(res, 200, { ok: true });
    }
    if (req.method !== 'POST' || !/\/api\/2\/update_offer\.json$/.test(req.url ?? '')) {
      count('404');
      return send(res, 404, { request_status: 'Failure', message: 'Not found' });
    }
    stats.requests++;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      count('400');
      return send(res, 400, { request_status: 'Failure', message: 'Body is not JSON' });
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (body.api_key !== apiKey) {
      count('401');
      return send(res, 401, { request_status: 'Failure', message: 'Invalid API key' });
    }
    if (!withinRate()) {
      count('429');
      return send(
        res,
        429,
        { request_status: 'Failure', message: 'Too many requests' },
        { 'retry-after': String(retryAfter) },
      );
    }
    const fault = pickFault(faults, random);
    count(fault === 'none' ? 'answer' : fault);
    switch (fault) {
      case 'http503':
        return send(res, 503, '<html><body>Service Unavailable</body></html>', {
          'content-type': 'text/html',
        });
      case 'http429':
        return send(
          res,
          429,
          { request_status: 'Failure', message: 'Too many requests' },
          { 'retry-after': String(retryAfter) },
        );
      case 'throttleMessage':
        return send(res, 200, { request_status: 'Failure', message: 'API Restricted: rate limit exceeded' });
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
    }
    const result = store.apply(body);
    if (result.ok) stats.applied++;
    if (fault === 'resetAfterApply') {
      req.socket.destroy();
      return;
    }
    if (fault === 'malformed') return send(res, 200, '{"request_status":"Succ');
    if (!result.ok) return send(res, 200, { request_status: 'Failure', message: result.message });
    return send(res, 200, { request_status: 'Success', offer: result.offer });
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

  let port = options.port ?? 0;
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
      if (next.faults) faults = { ...NO_FAULTS, ...next.faults };
      if (next.latencyMs !== undefined) latencyMs = next.latencyMs;
      if (next.apiKey !== undefined) apiKey = next.apiKey;
      if (next.retryAfterSeconds !== undefined) retryAfter = next.retryAfterSeconds;
      if ('maxRps' in next) {
        maxRps = next.maxRps;
        tokens = maxRps ?? 0;
      }
    },
    down: stop,
    up: listen,
    close: stop,
  };
  return sandbox;
}
