import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** One update_offer request as a scripted server received it; `n` counts from 1. */
export interface ScriptedRequest {
  n: number;
  /** performance.now() when the whole body had arrived. */
  at: number;
  body: Record<string, unknown>;
}

export interface ScriptedServer {
  url: string;
  requests: ScriptedRequest[];
  /** Ends the server and every connection still open (a request left hanging included). */
  close(): Promise<void>;
}

export type Script = (request: ScriptedRequest, res: ServerResponse, req: IncomingMessage) => void;

/**
 * A real HTTP server on 127.0.0.1:0 that hands every request to `script`, for exact sequences (429 then
 * 200, a body that never ends, an answer that quotes the key) the sandbox's random faults cannot promise.
 */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        n: requests.length + 1,
        at: performance.now(),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
      };
      requests.push(request);
      script(request, res, req);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Answers with `status` and `body` as JSON (a string body is sent as it is). */
export function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Answers as CAKE does when an update worked: the offer echoed with what was sent. */
export function answerSuccess(res: ServerResponse, body: Record<string, unknown>): void {
  const { api_key: _key, ...offer } = body;
  answer(res, 200, { request_status: 'Success', offer });
}
