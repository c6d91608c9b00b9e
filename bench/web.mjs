// The web page's figures: upload-to-review time (1,000 and 100,000 rows), and the server's peak RSS while
// a 100,000-row run is applied with the page open in Chromium, against `cake-bulk apply`'s own on the same
// file. `npm run bench -- --only web` runs it inside the bench; `node bench/web.mjs [--quick]` alone.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GUARDS_OFF } from './cake-bulk-run.mjs';
import { writeInput } from './inputs.mjs';
import { runTimed, startSandboxProcess, summarize } from './measure.mjs';
import { formatTable, num } from './table.mjs';

const API_KEY = 'bench-key';
const CHROMIUM = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p));

/** `cake-bulk serve` as its own process; resolves once it prints its URL. */
function startServe(cli, { dir, baseUrl }) {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--port', '0', '--dir', dir, '--base-url', baseUrl, '--concurrency', '16'],
    { env: { ...process.env, CAKE_API_KEY: API_KEY }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolvePromise, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const url = /open (http:\/\/\S+)/.exec(text)?.[1];
      if (url) resolvePromise({ child, url, origin: new URL(url).origin });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}

/** One HTTP exchange; `body` may be a function writing a stream into the request. */
function exchange(origin, path, { method = 'GET', headers = {}, body } = {}) {
  const url = new URL(path, origin);
  return new Promise((resolvePromise, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolvePromise({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    if (typeof body === 'function') body(req);
    else req.end(body);
  });
}

async function session(server) {
  const host = new URL(server.origin).host;
  const first = await exchange(server.origin, server.url.slice(server.origin.length), {
    headers: { Host: host },
  });
  const cookie = String(first.headers['set-cookie']).split(';')[0];
  const page = await exchange(server.origin, '/', { headers: { Host: host, Cookie: cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)[1];
  return {
    host,
    cookie,
    csrf,
    origin: server.origin,
    form: { Host: host, Cookie: cookie, Origin: `http://${host}` },
  };
}

/** Streams a file up as the page's form does and reads the Review page it leads to; seconds and the run id. */
async function uploadToReview(s, file) {
  const boundary = `----cake-bulk-bench-${Date.now()}`;
  const started = performance.now();
  const answer = await exchange(s.origin, '/upload', {
    method: 'POST',
    headers: { ...s.form, 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body: (req) => {
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${s.csrf}\r\n`);
      req.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="spreadsheet"; filename="offers.csv"\r\nContent-Type: text/csv\r\n\r\n`,
      );
      const stream = createReadStream(file);
      stream.pipe(req, { end: false });
      stream.on('end', () => req.end(`\r\n--${boundary}--\r\n`));
    },
  });
  if (answer.status !== 303)
    throw new Error(`upload answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const review = await exchange(s.origin, answer.headers.location, {
    headers: { Host: s.host, Cookie: s.cookie },
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    id: /\/runs\/([^/]+)\//.exec(answer.headers.location)[1],
    sendable: sendableOf(review.text),
  };
}

/** The N of the review page's `Apply N changes`. */
function sendableOf(page) {
  const n = /Apply ([\d,]+) changes?/.exec(page)?.[1];
  if (n === undefined) throw new Error('the review page has no Apply button');
  return Number(n.replaceAll(',', ''));
}

/** Seconds to the Review page's first page of a planned run (the plan file read on the server). */
async function firstPage(s, id) {
  const started = performance.now();
  const page = await exchange(s.origin, `/runs/${id}/review`, {
    headers: { Host: s.host, Cookie: s.cookie },
  });
  sendableOf(page.text);
  return (performance.now() - started) / 1000;
}

/** The kernel's resident-set figures for a process, in MB: now, and its peak so far (what `time -v` reports). */
function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/**
 * Applies a planned run with the page open: Chromium on the run page (the live progress over SSE), or, with
 * no Chromium, an SSE client; samples the server's RSS as it goes.
 */
async function applyWithPageOpen(s, server, id) {
  // Guardrails off: the seeded sheet's payouts are far from the catalog's, and this measures sending.
  await exchange(s.origin, `/runs/${id}/plan`, {
    method: 'POST',
    headers: { ...s.form, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${s.csrf}&maxChangePct=&noLimit=1&allowNegativeMargin=1&allowExpired=1`,
  });
  const review = await exchange(s.origin, `/runs/${id}/review`, {
    headers: { Host: s.host, Cookie: s.cookie },
  });
  const sendable = sendableOf(review.text);
  const before = rssOf(server.child.pid);
  let browser;
  let viewer = 'an SSE client (no Chromium)';
  const started = performance.now();
  const applied = await exchange(s.origin, `/runs/${id}/apply`, {
    method: 'POST',
    headers: { ...s.form, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `_csrf=${s.csrf}`,
  });
  if (applied.status !== 303) throw new Error(`apply answered ${applied.status}`);
  const samples = [];
  const timer = setInterval(() => samples.push(rssOf(server.child.pid).now), 250);
  try {
    if (CHROMIUM) {
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.goto(`${s.origin}/runs/${id}`);
      viewer = 'Chromium on the run page';
      await page.getByRole('link', { name: 'See the results' }).waitFor({ timeout: 600_000 });
    } else {
      await exchange(s.origin, `/runs/${id}/events`, { headers: { Host: s.host, Cookie: s.cookie } });
    }
  } finally {
    clearInterval(timer);
    await browser?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const done = await exchange(s.origin, `/runs/${id}`, { headers: { Host: s.host, Cookie: s.cookie } });
  const updated = Number(/<dt>updated<\/dt>\s*<dd>([\d,]+)<\/dd>/.exec(done.text)?.[1].replaceAll(',', ''));
  return {
    before: before.now,
    peak: rssOf(server.child.pid).peak,
    samples,
    seconds,
    updated,
    sendable,
    viewer,
  };
}

/** The web figures as bench table rows. `input(rows)` gives a seeded sheet's path (offers from 100,000). */
export async function webBench({ cli, work, runs, quick, input, progress }) {
  const small = 1_000;
  const big = quick ? 20_000 : 100_000;
  // A catalog just larger than the sheets' ids: the plan reads it whole (List Offers, 500 a page), so its
  // size, not the sheet's, sets most of the planning time. One figure below uses the sandbox's 10,000,000.
  const catalog = 200_000;
  const table = [];
  const details = {};
  const sandbox = await startSandboxProcess(cli, { latencyMs: 0, apiKey: API_KEY, maxOfferId: catalog });
  const server = await startServe(cli, { dir: join(work, 'web-runs'), baseUrl: sandbox.url });
  try {
    const s = await session(server);
    const uploads = {};
    for (const rows of [small, big]) {
      progress(`web: upload to review, ${rows} rows x ${runs}`);
      uploads[rows] = [];
      for (let i = 0; i < runs; i++) uploads[rows].push(await uploadToReview(s, input(rows)));
      const time = summarize(uploads[rows].map((u) => u.seconds));
      table.push({
        figure: `web: upload to review page, ${num(rows)} rows (stream to disk, plan with current values, first page)`,
        workload: `${num(rows)} x ${runs}, catalog of ${num(catalog)} offers`,
        median: `${num(time.median, 2)} s`,
        spread: `${num(time.min, 2)}-${num(time.max, 2)} s`,
        target: rows === big ? '<= 5 s' : '',
        met: rows === big ? time.median <= 5 : undefined,
      });
    }
    const pages = [];
    for (let i = 0; i < runs; i++) pages.push(await firstPage(s, uploads[big].at(-1).id));
    const page = summarize(pages);
    table.push({
      figure: `web: review page of a planned ${num(big)}-row run (first 50 rows read from the plan file)`,
      workload: `${num(big)} x ${runs}`,
      median: `${num(page.median * 1000)} ms`,
      spread: `${num(page.min * 1000)}-${num(page.max * 1000)} ms`,
      target: '<= 5 s',
      met: page.median <= 5,
    });
    details.web_upload = uploads;

    progress(`web: apply ${big} rows with the page open; then cake-bulk apply on the same file`);
    const run = await applyWithPageOpen(s, server, uploads[big].at(-1).id);
    const cliRun = await runTimed(
      process.execPath,
      [
        cli,
        'apply',
        input(big),
        '--out',
        join(work, 'web-cli.results.csv'),
        '--log',
        join(work, 'web-cli.log.jsonl'),
        '--concurrency',
        '16',
        '--json',
        '--skip-invalid',
        ...GUARDS_OFF,
      ],
      {
        env: { ...process.env, CAKE_API_KEY: API_KEY, CAKE_BASE_URL: sandbox.url },
        cwd: work,
        workDir: work,
      },
    );
    const at = (q) => run.samples[Math.min(run.samples.length - 1, Math.floor((run.samples.length * q) / 4))];
    const ok = run.updated === run.sendable && run.sendable === big;
    details.web_rss = { ...run, cliRssMB: cliRun.rssMB };
    table.push({
      figure: `web: server peak RSS, ${num(big)} rows applied with ${run.viewer} (vs cake-bulk apply, same file)`,
      workload: `${num(big)} x 1, ${num(run.updated)} of ${num(run.sendable)} to send updated in ${num(run.seconds, 1)} s${ok ? '' : ' (CHECK FAILED)'}`,
      median: `${num(run.peak)} MB (apply: ${num(cliRun.rssMB)} MB); RSS at 1/4, 2/4, 3/4, end: ${[1, 2, 3, 4].map((q) => num(at(q))).join(', ')} MB`,
      spread: `before the run ${num(run.before)} MB`,
      target: '<= apply + 50 MB, flat',
      met: ok && run.peak <= cliRun.rssMB + 50,
    });
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
    await sandbox.stop();
  }
  if (!quick) {
    progress(`web: upload to review, ${big} rows, against the sandbox's whole catalog of 10,000,000 offers`);
    const wide = await startSandboxProcess(cli, { latencyMs: 0, apiKey: API_KEY });
    const other = await startServe(cli, { dir: join(work, 'web-runs-wide'), baseUrl: wide.url });
    try {
      const upload = await uploadToReview(await session(other), input(big));
      table.push({
        figure: `web: upload to review page, ${num(big)} rows, catalog of 10,000,000 offers`,
        workload: `${num(big)} x 1 (the plan reads 20,000 List Offers pages)`,
        median: `${num(upload.seconds, 1)} s`,
        spread: '',
        target: "(planBulk's reads)",
        met: undefined,
      });
    } finally {
      other.child.kill('SIGTERM');
      await new Promise((r) => other.child.once('exit', r));
      await wide.stop();
    }
  }
  return { table, details };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(import.meta.dirname, '..');
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      cli: { type: 'string', default: join(root, 'dist', 'cli', 'main.js') },
    },
  });
  const work = mkdtempSync(join(tmpdir(), 'cake-bulk-bench-web-'));
  try {
    const inputs = new Map();
    const input = (rows) => {
      if (!inputs.has(rows)) {
        const path = join(work, `offers-${rows}.csv`);
        writeInput(path, rows, { seed: 42, apiKey: API_KEY });
        inputs.set(rows, path);
      }
      return inputs.get(rows);
    };
    const { table } = await webBench({
      cli: values.cli,
      work,
      runs: values.quick ? 1 : 3,
      quick: values.quick,
      input,
      progress: (text) => process.stderr.write(`bench: ${text}\n`),
    });
    process.stdout.write(`${formatTable(table)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
