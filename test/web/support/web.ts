// The real server and the real sandbox for the web tests, in a fresh temp directory each.
import { request } from 'node:http';
import { seededOffer, startSandbox, type Sandbox, type SandboxOptions } from '../../../src/sandbox/index.js';
import { startWebServer, type WebServer, type WebServerOptions } from '../../../src/web/server.js';
import { tempDir } from '../../support/helpers.js';

/** A distinctive key: every response the browser gets is searched for it. */
export const WEB_KEY = 'web-test-key-5c1d9e7a3b';

export interface WebSetup {
  dir: string;
  sandbox: Sandbox;
  web: WebServer;
  lines: string[];
  close(): Promise<void>;
}

export async function startWeb(
  options: {
    sandbox?: SandboxOptions;
    server?: Partial<WebServerOptions>;
  } = {},
): Promise<WebSetup> {
  const dir = await tempDir();
  const sandbox = await startSandbox({ apiKey: WEB_KEY, ...options.sandbox });
  const lines: string[] = [];
  const web = await startWebServer({
    dir,
    baseUrl: sandbox.url,
    apiKey: WEB_KEY,
    port: 0,
    send: { concurrency: 4, backoff: { baseMs: 5, capMs: 20 } },
    onLog: (line) => lines.push(line),
    ...options.server,
  });
  return {
    dir,
    sandbox,
    web,
    lines,
    async close() {
      await web.close();
      await sandbox.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly the headers given (Host included), as no browser would send it. */
export function rawRequest(
  origin: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawAnswer> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The cookie and CSRF token a page visit gets, for requests made outside the browser. */
export async function session(web: WebServer): Promise<{ cookie: string; csrf: string; host: string }> {
  const host = new URL(web.origin).host;
  const first = await rawRequest(web.origin, web.url.slice(web.origin.length), { headers: { Host: host } });
  const setCookie = first.headers['set-cookie'];
  const cookie = ((Array.isArray(setCookie) ? setCookie[0] : setCookie) ?? '').split(';')[0]!;
  const page = await rawRequest(web.origin, '/', { headers: { Host: host, Cookie: cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return { cookie, csrf, host };
}

/** A multipart body with the CSRF field first, then one file. */
export function multipart(
  csrf: string | undefined,
  file: { name: string; content: string | Buffer; field?: string },
): { body: Buffer; type: string } {
  const boundary = `----cake-bulk-test-${Date.now()}`;
  const parts: Buffer[] = [];
  if (csrf !== undefined) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'spreadsheet'}"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    Buffer.from(file.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A sheet of `rows` payout cuts of 10% from the sandbox's seeded values, for offers from `first` whose
 * margin is positive: every row is a `change` inside the default guardrails.
 */
export function payoutSheet(rows: number, first = 20_000): { csv: string; ids: number[] } {
  const lines = ['offer_id,payout'];
  const ids: number[] = [];
  for (let id = first; ids.length < rows; id++) {
    const offer = seededOffer(1, id);
    if (offer.payout >= offer.revenue) continue;
    ids.push(id);
    lines.push(`${id},${(Math.round(offer.payout * 90) / 100).toFixed(2)}`);
  }
  return { csv: `${lines.join('\n')}\n`, ids };
}
