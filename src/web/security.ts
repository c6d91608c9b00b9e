import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { errorPage } from './templates/error.js';

/**
 * The page's own scripts and styles only: no inline script or style, no other origin, no framing. htmx
 * is told (in a meta tag) not to add its inline indicator style and not to evaluate attributes.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Not `no-referrer`: under it a browser sends `Origin: null` with a form POST, and the Origin check
  // could not tell this page from any other.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The one route that takes a multipart body. */
export const UPLOAD_PATH = '/upload';

/** Largest body of a form that is not an upload. */
const FORM_LIMIT = 64 * 1024;

/** The server's secrets for one start, and the checks every request passes. */
export interface Security {
  /** Goes in the printed URL; the first visit trades it for the cookie. */
  readonly token: string;
  /** Goes in every form; a state-changing request without it is refused. */
  readonly csrf: string;
  /** Sets the address the server listens on: only `Host` values naming it are served. */
  bind(port: number): void;
  /** Host check, token, Origin and CSRF, in that order; then the security headers on every answer. */
  middleware: MiddlewareHandler;
  /** For a multipart upload, whose CSRF field is read from the stream by the upload itself. */
  checkCsrf(value: string | undefined): boolean;
}

export function createSecurity(): Security {
  const token = randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  let hosts = new Set<string>();
  let cookieName = 'cake_bulk';

  const refuse = (c: Context, status: 401 | 403 | 405 | 413 | 415, title: string, text: string) =>
    c.html(errorPage(title, text).text, status);

  const middleware: MiddlewareHandler = async (c, next) => {
    for (const [name, value] of Object.entries(HEADERS)) c.header(name, value);
    const host = c.req.header('host') ?? '';
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends that name as Host.
    if (!hosts.has(host)) {
      return refuse(c, 403, 'Wrong address', 'This server answers only at the address it printed.');
    }
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      c.header('Allow', 'GET, HEAD, POST');
      return refuse(c, 405, 'Not allowed', `${method} is not used here.`);
    }
    const offered = c.req.query('token');
    if (offered !== undefined && method === 'GET') {
      if (!same(offered, token)) {
        return refuse(c, 403, 'Wrong token', 'Open the address `cake-bulk serve` printed, with its token.');
      }
      setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    if (!same(getCookie(c, cookieName) ?? '', token)) {
      return refuse(
        c,
        401,
        'Open the printed address',
        'This page needs the token: open the address `cake-bulk serve` printed (it ends in ?token=...).',
      );
    }
    if (method === 'POST') {
      const refused = await checkStateChange(c, host);
      if (refused) return refuse(c, refused.status, 'Refused', refused.text);
    }
    await next();
    for (const [name, value] of Object.entries(HEADERS)) c.res.headers.set(name, value);
  };

  /** A state change must come from this page: same Origin, fetched same-origin, with the CSRF token. */
  async function checkStateChange(
    c: Context,
    host: string,
  ): Promise<{ status: 403 | 413 | 415; text: string } | undefined> {
    if (c.req.header('origin') !== `http://${host}`) {
      return { status: 403, text: 'A change must come from this page (its Origin header did not match).' };
    }
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') {
      return { status: 403, text: 'A change must come from this page (it came from another site).' };
    }
    if (same(c.req.header('x-csrf-token') ?? '', csrf)) return undefined;
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    // Only the upload is multipart, and it reads its CSRF field from the stream before the file.
    if (type === 'multipart/form-data' && c.req.path === UPLOAD_PATH) return undefined;
    if (type !== 'application/x-www-form-urlencoded') {
      return { status: 415, text: 'Expected a form.' };
    }
    if (Number(c.req.header('content-length') ?? 0) > FORM_LIMIT) {
      return { status: 413, text: 'The form is too large.' };
    }
    const body = await c.req.parseBody();
    const value = body._csrf;
    if (typeof value !== 'string' || !same(value, csrf)) {
      return { status: 403, text: 'The form is missing its CSRF token: reload the page and try again.' };
    }
    return undefined;
  }

  return {
    token,
    csrf,
    bind(port) {
      hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
      // Cookies are not kept apart by port: two servers on one machine must not overwrite each other's.
      cookieName = `cake_bulk_${port}`;
    },
    middleware,
    checkCsrf: (value) => value !== undefined && same(value, csrf),
  };
}

/** Compares secrets in constant time, whatever their lengths. */
function same(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
