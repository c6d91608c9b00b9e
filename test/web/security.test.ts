import { readdir } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  multipart,
  payoutSheet,
  rawRequest,
  session,
  startWeb,
  WEB_KEY,
  type WebSetup,
} from './support/web.js';

/** Every file under a directory, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('the server refuses every request that breaks a rule', () => {
  let setup: WebSetup;
  let s: { cookie: string; csrf: string; host: string };
  const form = (extra: Record<string, string> = {}) => ({
    Host: s.host,
    Cookie: s.cookie,
    Origin: `http://${s.host}`,
    'Content-Type': 'application/x-www-form-urlencoded',
    ...extra,
  });
  /** A run to act on: uploaded and planned, so a POST that passes the checks changes something. */
  let runId: string;

  beforeAll(async () => {
    setup = await startWeb({ server: { maxUploadBytes: 4096 } });
    s = await session(setup.web);
    const upload = multipart(s.csrf, { name: 'ok.csv', content: payoutSheet(3).csv });
    const answer = await rawRequest(setup.web.origin, '/upload', {
      method: 'POST',
      headers: { Host: s.host, Cookie: s.cookie, Origin: `http://${s.host}`, 'Content-Type': upload.type },
      body: upload.body,
    });
    expect(answer.status).toBe(303);
    runId = /\/runs\/([^/]+)\/review/.exec(String(answer.headers.location))![1]!;
  });
  afterAll(async () => {
    await setup?.close();
  });

  it('sets the token cookie HttpOnly and SameSite=Strict from the printed URL, and the key is nowhere in it', async () => {
    const first = await rawRequest(setup.web.origin, setup.web.url.slice(setup.web.origin.length), {
      headers: { Host: s.host },
    });
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict/);
    expect(JSON.stringify(first.headers)).not.toContain(WEB_KEY);
  });

  it.each([
    ['no cookie', {}, 401],
    ['a wrong cookie', { Cookie: 'cake_bulk_1=nope' }, 401],
  ])('refuses a page with %s (401), and serves it with the token', async (_name, headers, status) => {
    const refused = await rawRequest(setup.web.origin, '/', { headers: { Host: s.host, ...headers } });
    expect(refused.status).toBe(status);
    expect(refused.body).not.toContain(s.csrf);
    const served = await rawRequest(setup.web.origin, '/', { headers: { Host: s.host, Cookie: s.cookie } });
    expect(served.status).toBe(200);
  });

  it('refuses a wrong token in the URL (403) and sets no cookie', async () => {
    const refused = await rawRequest(setup.web.origin, '/?token=guessed', { headers: { Host: s.host } });
    expect(refused.status).toBe(403);
    expect(refused.headers['set-cookie']).toBeUndefined();
  });

  it.each(['evil.example', 'evil.example:PORT', 'localhost.evil.example:PORT', '127.0.0.1:1'])(
    'refuses Host %s even with the right cookie (DNS rebinding)',
    async (name) => {
      const host = name.replace('PORT', String(setup.web.port));
      const refused = await rawRequest(setup.web.origin, '/', { headers: { Host: host, Cookie: s.cookie } });
      expect(refused.status).toBe(403);
      expect(refused.body).not.toContain(s.csrf);
    },
  );

  it('refuses a POST with a wrong Host even with every other check passed', async () => {
    const refused = await rawRequest(setup.web.origin, `/runs/${runId}/plan`, {
      method: 'POST',
      headers: form({ Host: 'evil.example' }),
      body: `_csrf=${s.csrf}`,
    });
    expect(refused.status).toBe(403);
  });

  it.each([
    ['without an Origin', { Origin: '' }],
    ['from a foreign Origin', { Origin: 'http://evil.example' }],
    ['from this port on another name', { Origin: 'http://localhost.evil.example' }],
    ['fetched cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
  ])('refuses a state change %s (403), which passes with the right one', async (_name, headers) => {
    const headerSet: Record<string, string> = form(headers);
    if (headerSet.Origin === '') delete headerSet.Origin;
    const refused = await rawRequest(setup.web.origin, `/runs/${runId}/plan`, {
      method: 'POST',
      headers: headerSet,
      body: `_csrf=${s.csrf}`,
    });
    expect(refused.status).toBe(403);
    const passed = await rawRequest(setup.web.origin, `/runs/${runId}/plan`, {
      method: 'POST',
      headers: form(),
      body: `_csrf=${s.csrf}`,
    });
    expect(passed.status).toBe(303);
  });

  it.each([
    ['no CSRF token', ''],
    ['a wrong CSRF token', '_csrf=guessed'],
  ])('refuses a same-origin form with %s (403)', async (_name, body) => {
    const refused = await rawRequest(setup.web.origin, `/runs/${runId}/apply`, {
      method: 'POST',
      headers: form(),
      body,
    });
    expect(refused.status).toBe(403);
    expect(setup.sandbox.stats.updates).toBe(0);
  });

  it('refuses an upload whose CSRF field is missing, and keeps nothing of it', async () => {
    const before = await filesUnder(setup.dir);
    const upload = multipart(undefined, { name: 'sneaky.csv', content: payoutSheet(2).csv });
    const refused = await rawRequest(setup.web.origin, '/upload', {
      method: 'POST',
      headers: { Host: s.host, Cookie: s.cookie, Origin: `http://${s.host}`, 'Content-Type': upload.type },
      body: upload.body,
    });
    expect(refused.status).toBe(403);
    expect(await filesUnder(setup.dir)).toEqual(before);
  });

  it('refuses an upload over --max-upload with a clear message, and keeps nothing of it', async () => {
    const before = await filesUnder(setup.dir);
    const upload = multipart(s.csrf, { name: 'big.csv', content: payoutSheet(400).csv });
    expect(upload.body.length).toBeGreaterThan(4096);
    const refused = await rawRequest(setup.web.origin, '/upload', {
      method: 'POST',
      headers: { Host: s.host, Cookie: s.cookie, Origin: `http://${s.host}`, 'Content-Type': upload.type },
      body: upload.body,
    });
    expect(refused.status).toBe(413);
    expect(refused.body).toContain('larger than the upload limit of 4 KB');
    expect(await filesUnder(setup.dir)).toEqual(before);
  });

  it.each(['../../../escaped.csv', '..\\..\\escaped.csv', '/tmp/escaped.csv', 'runs/../../escaped.csv'])(
    'names an upload called %s itself: input.csv in a new run folder, nothing outside it',
    async (name) => {
      const before = await filesUnder(setup.dir);
      const upload = multipart(s.csrf, { name, content: payoutSheet(2).csv });
      const answer = await rawRequest(setup.web.origin, '/upload', {
        method: 'POST',
        headers: { Host: s.host, Cookie: s.cookie, Origin: `http://${s.host}`, 'Content-Type': upload.type },
        body: upload.body,
      });
      expect(answer.status).toBe(303);
      const id = /\/runs\/([^/]+)\/review/.exec(String(answer.headers.location))![1]!;
      const added = (await filesUnder(setup.dir)).filter((f) => !before.includes(f));
      expect(added.sort()).toEqual([
        `runs/${id}/input.csv`,
        `runs/${id}/input.plan.csv`,
        `runs/${id}/run.json`,
      ]);
      const page = await rawRequest(setup.web.origin, `/runs/${id}/review`, {
        headers: { Host: s.host, Cookie: s.cookie },
      });
      expect(page.body).toContain('Review escaped.csv');
    },
  );

  it('escapes an upload name that holds markup wherever it is shown', async () => {
    const upload = multipart(s.csrf, {
      name: '<img src=x onerror=alert(1)>.csv',
      content: payoutSheet(2).csv,
    });
    const answer = await rawRequest(setup.web.origin, '/upload', {
      method: 'POST',
      headers: { Host: s.host, Cookie: s.cookie, Origin: `http://${s.host}`, 'Content-Type': upload.type },
      body: upload.body,
    });
    const review = await rawRequest(setup.web.origin, String(answer.headers.location), {
      headers: { Host: s.host, Cookie: s.cookie },
    });
    const history = await rawRequest(setup.web.origin, '/history', {
      headers: { Host: s.host, Cookie: s.cookie },
    });
    for (const page of [review.body, history.body]) {
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
      expect(page).not.toContain('<img');
    }
  });

  it('sends no CORS headers, and refuses a preflight', async () => {
    const preflight = await rawRequest(setup.web.origin, `/runs/${runId}/apply`, {
      method: 'OPTIONS',
      headers: {
        Host: s.host,
        Origin: 'http://evil.example',
        'Access-Control-Request-Method': 'POST',
      },
    });
    expect(preflight.status).toBe(405);
    const page = await rawRequest(setup.web.origin, '/', {
      headers: { Host: s.host, Cookie: s.cookie, Origin: 'http://evil.example' },
    });
    for (const answer of [preflight, page]) {
      expect(Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('serves every page with the CSP and without inline script, style or event handlers', async () => {
    const paths = ['/', '/history', `/runs/${runId}/review`, `/runs/${runId}`, '/nowhere'];
    for (const path of paths) {
      const answer = await rawRequest(setup.web.origin, path, {
        headers: { Host: s.host, Cookie: s.cookie },
      });
      expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(answer.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(answer.body).not.toMatch(/<style|<[^>]*\s(style|on[a-z]+)=/i);
      expect(answer.body).not.toContain(WEB_KEY);
    }
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(new URL(setup.web.origin).hostname).toBe('127.0.0.1');
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!outside) return;
    await expect(
      rawRequest(`http://${outside.address}:${setup.web.port}`, '/', { headers: { Host: s.host } }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
