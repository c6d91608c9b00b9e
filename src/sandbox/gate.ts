import type { IncomingMessage, ServerResponse } from 'node:http';
import { pickFault, seededRandom, type Fault, type FaultRates } from './faults.js';
import { createRateLimit } from './rate-limit.js';

/** The settings the gate reads on every request, so `configure` takes effect on the next one. */
export interface GateSettings {
  apiKey: string;
  latencyMs: number;
  faults: FaultRates;
  retryAfterSeconds: number;
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/**
 * What every API request meets, reads and updates alike, from one seeded fault stream: latency, the key,
 * the rate limit and a fault before the request's own work (`admit`), and the fault's end after it (`answer`).
 */
export function createGate(
  settings: GateSettings,
  options: { seed: number; maxRps: number | undefined; count: (answer: string) => void },
) {
  const rateLimit = createRateLimit(options.maxRps);
  const random = seededRandom(options.seed);
  const { count } = options;

  /** Returns the fault still to play out after the work, or undefined when the request has been answered. */
  async function admit(req: IncomingMessage, res: ServerResponse, key: unknown): Promise<Fault | undefined> {
    if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    if (key !== settings.apiKey) {
      count('401');
      send(res, 401, { request_status: 'Failure', message: 'Invalid API key' });
      return undefined;
    }
    const fault = rateLimit.take() ? pickFault(settings.faults, random) : 'rateLimit';
    count(fault === 'none' ? 'answer' : fault === 'rateLimit' ? '429' : fault);
    switch (fault) {
      case 'rateLimit':
      case 'http429':
        send(
          res,
          429,
          { request_status: 'Failure', message: 'Too many requests' },
          { 'retry-after': String(settings.retryAfterSeconds) },
        );
        return undefined;
      case 'http503':
        send(res, 503, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
        return undefined;
      case 'throttleMessage':
        send(res, 200, { request_status: 'Failure', message: 'API Restricted: rate limit exceeded' });
        return undefined;
      case 'reset':
        req.socket.destroy();
        return undefined;
      case 'hang':
        return undefined;
    }
    return fault;
  }

  /** Sends a 200 answer unless the fault drawn spoils it; true when the client got it whole. */
  function answer(req: IncomingMessage, res: ServerResponse, fault: Fault, body: unknown): boolean {
    if (fault === 'resetAfterApply') {
      req.socket.destroy();
      return false;
    }
    if (fault === 'malformed') {
      send(res, 200, '{"request_status":"Succ');
      return false;
    }
    send(res, 200, body);
    return true;
  }

  return { admit, answer, setMaxRps: rateLimit.set };
}
