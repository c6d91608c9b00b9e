// npm run bench [-- --quick] [-- --full-size] [-- --only latency,zero,reads,dry,xlsx,rss,rate,peers,web]
// Runs the built CLI against the sandbox (its own process) as a user would, several times per figure,
// and prints one markdown table (median, min-max) plus bench/results.json. How to read it: README.md, "Performance".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FIRST_OFFER_ID, writeInput, writeXlsxInput } from './inputs.mjs';
import { HAS_TIME, runTimed, startSandboxProcess, summarize, withFreshSandbox } from './measure.mjs';
import { GUARDS_OFF, createRunner } from './cake-bulk-run.mjs';
import { readScenarios } from './reads.mjs';
import { formatTable, num } from './table.mjs';
import { webBench } from './web.mjs';

const root = resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'full-size': { type: 'boolean', default: false },
    only: { type: 'string' },
    cli: { type: 'string', default: join(root, 'dist', 'cli', 'main.js') },
  },
});
const quick = flags.quick;
const only = flags.only?.split(',');
const API_KEY = 'bench-key';
const runs = quick ? 1 : 3;
const work = mkdtempSync(join(tmpdir(), 'cake-bulk-bench-'));
const table = [];
const details = {};

// Sizes: the issue's figures in a full run; a smoke run (--quick) scales rows down and runs once.
const SIZES = {
  latencySeconds: quick ? 4 : 20,
  zeroRows: quick ? 20_000 : 100_000,
  bigRows: quick ? 100_000 : 1_000_000,
  smallRows: 10_000,
  rateRows: quick ? 600 : 2_000,
  curlRows: quick ? 500 : 3_000,
  newmanRows: quick ? 150 : 600,
  xlsxRows: quick ? [20_000, 100_000] : [100_000, 1_000_000],
};

// The send pipeline's figures (and the peers, which read nothing) skip the read of current values; the
// figures of the read itself, and of apply as it runs by default, are in bench/reads.mjs and the memory row.
const SEND_ONLY = ['--no-read-current'];

const inputs = new Map();
function input(rows, withBodies = false) {
  const key = `${rows}${withBodies ? 'b' : ''}`;
  if (!inputs.has(key)) {
    const path = join(work, `offers-${rows}.csv`);
    const bodiesPath = withBodies ? join(work, `offers-${rows}.jsonl`) : undefined;
    writeInput(path, rows, { seed: 42, bodiesPath, apiKey: API_KEY });
    inputs.set(key, { path, bodiesPath });
  }
  return inputs.get(key);
}

const xlsxInputs = new Map();
async function xlsxInput(rows) {
  if (!xlsxInputs.has(rows)) {
    const path = join(work, `offers-${rows}.xlsx`);
    await writeXlsxInput(path, rows, { seed: 42 });
    xlsxInputs.set(rows, path);
  }
  return xlsxInputs.get(rows);
}

/** One checked `cake-bulk` run; see bench/cake-bulk-run.mjs. */
const cakeBulk = createRunner({ cli: flags.cli, work, apiKey: API_KEY });

/** One run of the bare undici loop against `sandbox`: requests/s over its own send span, checked. */
async function bareClient(bodiesPath, requests, concurrency, latencyMs, sandbox) {
  const script = join(root, 'bench', 'bare-client.mjs');
  const argv = [script, sandbox.url, bodiesPath, String(concurrency), String(latencyMs)];
  const run = await runTimed(process.execPath, argv, { env: process.env, cwd: work, workDir: work });
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) || '{}');
  const ok = run.code === 0 && summary.requests === requests;
  if (!ok) process.stderr.write(`bench: the bare client failed: ${run.stderr.slice(-400)}\n`);
  return {
    requests,
    concurrency,
    ok,
    requestsPerSecond: requests / summary.seconds,
    cpuSeconds: run.cpuSeconds,
  };
}

async function repeat(times, fn) {
  const results = [];
  for (let i = 0; i < times; i++) results.push(await fn());
  return results;
}

const pick = (results, key) => summarize(results.map((r) => r[key]));
const allOk = (results) => results.every((r) => r.ok);
const workload = (rows, results, extra = '') =>
  `${num(rows)} rows x ${results.length}${extra}${allOk(results) ? '' : ' (CHECK FAILED)'}`;
const progress = (text) => process.stderr.write(`bench: ${text}\n`);
const connectionRuns = [];

async function latencyScenario() {
  const latencyMs = 50;
  const sandbox = await startSandboxProcess(flags.cli, { latencyMs, apiKey: API_KEY });
  try {
    for (const concurrency of [4, 16, 64]) {
      const bound = concurrency / (latencyMs / 1000);
      const rows = flags['full-size'] ? 20_000 : Math.min(20_000, Math.round(bound * SIZES.latencySeconds));
      progress(`latency ${latencyMs} ms, concurrency ${concurrency}, ${rows} rows`);
      const { path: file, bodiesPath } = input(rows, true);
      // Each cake-bulk run is followed by the bare client's, so both meet the machine in the same state.
      const pairs = await repeat(runs, async () => [
        await cakeBulk(file, rows, [...SEND_ONLY, '--concurrency', String(concurrency)], sandbox),
        await bareClient(bodiesPath, rows, concurrency, latencyMs, sandbox),
      ]);
      const results = pairs.map(([ours]) => ours);
      const floors = pairs.map(([, floor]) => floor);
      connectionRuns.push(...results.map((r) => ({ ...r, concurrency })));
      // Judged on the send phase (run_start to run_end in the log); end to end adds start-up and the
      // validation pass, shown beside it.
      const share = summarize(results.map((r) => (100 * r.sendRowsPerSecond) / bound));
      const endToEnd = summarize(results.map((r) => (100 * r.rowsPerSecond) / bound));
      table.push({
        figure: `throughput, 50 ms latency, --concurrency ${concurrency}, --no-read-current (send phase; end to end)`,
        workload: workload(rows, results),
        median: `${num(pick(results, 'sendRowsPerSecond').median)} rows/s = ${num(share.median, 1)}% of C/L; e2e ${num(endToEnd.median, 1)}%`,
        spread: `${num(share.min, 1)}-${num(share.max, 1)}%; e2e ${num(endToEnd.min, 1)}-${num(endToEnd.max, 1)}%`,
        target: `>= 95% of C/L (${num(bound)} rows/s)`,
        met: allOk(results) && share.median >= 95,
      });
      // Little's law with the latency the sandbox really delivered (a busy machine fires its timers late):
      // how close cake-bulk kept C requests at the server, whatever the server took.
      const served = summarize(results.map((r) => r.serverMsPerRequest));
      const kept = summarize(
        results.map((r) => (100 * r.sendRowsPerSecond * r.serverMsPerRequest) / 1000 / concurrency),
      );
      table.push({
        figure: `  context: sandbox's real latency; share of C kept in flight (C=${concurrency})`,
        workload: 'same runs',
        median: `${num(served.median, 1)} ms; ${num(kept.median, 1)}% of C in flight`,
        spread: `${num(served.min, 1)}-${num(served.max, 1)} ms; ${num(kept.min, 1)}-${num(kept.max, 1)}%`,
        target: '(client vs server)',
        met: undefined,
      });
      // What a client with no per-row work gets from the same sandbox on this machine at the same moment.
      const floor = summarize(floors.map((r) => (100 * r.requestsPerSecond) / bound));
      const ratio = summarize(
        pairs.map(([ours, bare]) => (100 * ours.sendRowsPerSecond) / bare.requestsPerSecond),
      );
      table.push({
        figure: `  context: a bare undici loop (bench/bare-client.mjs), runs alternated with the above (C=${concurrency})`,
        workload: `${num(rows)} requests x ${floors.length}${floors.every((r) => r.ok) ? '' : ' (CHECK FAILED)'}`,
        median: `${num(floor.median, 1)}% of C/L; cake-bulk at ${num(ratio.median, 1)}% of it`,
        spread: `${num(floor.min, 1)}-${num(floor.max, 1)}%; ${num(ratio.min, 1)}-${num(ratio.max, 1)}%`,
        target: '(the floor here)',
        met: undefined,
      });
      details[`latency_c${concurrency}`] = results;
      details[`latency_c${concurrency}_bare`] = floors;
    }
  } finally {
    await sandbox.stop();
  }
}

async function zeroLatencyScenarios() {
  const sandbox = await startSandboxProcess(flags.cli, {
    apiKey: API_KEY,
    maxOfferId: FIRST_OFFER_ID + SIZES.bigRows + 1,
  });
  try {
    if (!only || only.includes('zero')) await zeroThroughput(sandbox);
    if (!only || only.includes('rss')) await applyMemory();
    if (!only || only.includes('rate')) await rateLimit(sandbox);
    if (!only || only.includes('peers')) await peers(sandbox);
  } finally {
    await sandbox.stop();
  }
}

async function zeroThroughput(sandbox) {
  const rows = SIZES.zeroRows;
  progress(`zero latency, concurrency 16, ${rows} rows`);
  const file = input(rows).path;
  const results = await repeat(runs, () =>
    cakeBulk(file, rows, [...SEND_ONLY, '--concurrency', '16'], sandbox),
  );
  connectionRuns.push(...results.map((r) => ({ ...r, concurrency: 16 })));
  details.zero_c16 = results;
  const rate = pick(results, 'rowsPerSecond');
  const cpu = pick(results, 'cpuPerRowUs');
  const sandboxCpu = pick(results, 'sandboxCpuPerRowUs');
  table.push({
    figure: 'throughput, zero latency, --concurrency 16, --no-read-current, end to end',
    workload: workload(rows, results),
    median: `${num(rate.median)} rows/s`,
    spread: `${num(rate.min)}-${num(rate.max)}`,
    target: '>= 5,000 rows/s',
    met: allOk(results) && rate.median >= 5000,
  });
  table.push({
    figure: 'CPU of cake-bulk per sent row (user+sys / rows)',
    workload: 'same runs',
    median: cpu ? `${num(cpu.median, 1)} µs` : 'n/a',
    spread: cpu ? `${num(cpu.min, 1)}-${num(cpu.max, 1)}` : '',
    target: '<= 100 µs',
    met: cpu !== undefined && cpu.median <= 100,
  });
  const busy = (key) => summarize(results.map((r) => (r[key] * 1e-6 * r.rows * 100) / r.wallSeconds));
  table.push({
    figure: 'context: sandbox CPU per row; share of one core busy (cake-bulk / sandbox)',
    workload: 'same runs',
    median: sandboxCpu
      ? `${num(sandboxCpu.median, 1)} µs; ${num(busy('cpuPerRowUs').median)}% / ${num(busy('sandboxCpuPerRowUs').median)}%`
      : 'n/a',
    spread: sandboxCpu ? `${num(sandboxCpu.min, 1)}-${num(sandboxCpu.max, 1)} µs` : '',
    target: '(who is the bottleneck)',
    met: undefined,
  });
}

async function memoryRow(label, bigRows, big, small) {
  const bigRss = pick(big, 'rssMB');
  const smallRss = pick(small, 'rssMB');
  const ratio = bigRss.median / smallRss.median;
  table.push({
    figure: `peak RSS, ${label}: ${num(bigRows)} rows (vs ${num(SIZES.smallRows)} rows)`,
    workload: `${num(bigRows)} x ${big.length}, ${num(SIZES.smallRows)} x ${small.length}${allOk([...big, ...small]) ? '' : ' (CHECK FAILED)'}`,
    median: `${num(bigRss.median)} MB (vs ${num(smallRss.median)} MB) = ${num(ratio, 2)}x`,
    spread: `${num(bigRss.min)}-${num(bigRss.max)} MB`,
    target: '<= 150 MB and <= 1.5x',
    met: allOk([...big, ...small]) && bigRss.median <= 150 && ratio <= 1.5,
  });
}

/** Apply as it runs by default, current values read first; each run meets the catalog as it began. */
async function applyMemory() {
  const rows = SIZES.bigRows;
  progress(`apply memory: ${SIZES.smallRows} rows x ${runs}, ${rows} rows x ${runs}`);
  const sandboxOptions = { apiKey: API_KEY, maxOfferId: FIRST_OFFER_ID + rows + 1 };
  const applyFresh = (file, count) =>
    withFreshSandbox(flags.cli, sandboxOptions, (sandbox) =>
      cakeBulk(file, count, [...GUARDS_OFF, '--concurrency', '16'], sandbox),
    );
  const small = await repeat(runs, () => applyFresh(input(SIZES.smallRows).path, SIZES.smallRows));
  const big = await repeat(runs, () => applyFresh(input(rows).path, rows));
  connectionRuns.push(...[...small, ...big].map((r) => ({ ...r, concurrency: 16 })));
  details.apply_memory = { small, big };
  await memoryRow('apply (current values read first), zero latency, --concurrency 16', rows, big, small);
  const wall = pick(big, 'wallSeconds');
  const reads = pick(big, 'reads');
  table.push({
    figure: `  context: that apply of ${num(rows)} rows end to end; List Offers requests`,
    workload: 'same runs',
    median: `${num(wall.median, 1)} s = ${num(pick(big, 'rowsPerSecond').median)} rows/s; ${num(reads.median)} reads`,
    spread: `${num(wall.min, 1)}-${num(wall.max, 1)} s`,
    target: '(read, plan, send)',
    met: undefined,
  });
}

async function dryRun() {
  const rows = SIZES.bigRows;
  progress(`dry-run: ${rows} rows x ${runs}, ${SIZES.smallRows} rows x ${runs}`);
  const big = await repeat(runs, () => cakeBulk(input(rows).path, rows, ['--dry-run']));
  const small = await repeat(runs, () =>
    cakeBulk(input(SIZES.smallRows).path, SIZES.smallRows, ['--dry-run']),
  );
  details.dry_run = { big, small };
  const wall = pick(big, 'wallSeconds');
  const perSecond = pick(big, 'rowsPerSecond');
  table.push({
    figure: `--dry-run of ${num(rows)} rows (validate + results file + log)`,
    workload: workload(rows, big),
    median: `${num(wall.median, 1)} s = ${num(perSecond.median)} rows/s`,
    spread: `${num(wall.min, 1)}-${num(wall.max, 1)} s`,
    target: quick ? '(1,000,000 rows: <= 10 s)' : '<= 10 s',
    met: allOk(big) && perSecond.median >= 100_000,
  });
  await memoryRow('--dry-run', rows, big, small);
}

/** --dry-run of .xlsx workbooks: the reader streams the sheet twice (scan pass, then the dry run). */
async function xlsxDryRun() {
  const [middle, big] = SIZES.xlsxRows;
  progress(`xlsx dry-run: writing workbooks of ${SIZES.smallRows}, ${middle} and ${big} rows`);
  const files = {
    small: await xlsxInput(SIZES.smallRows),
    middle: await xlsxInput(middle),
    big: await xlsxInput(big),
  };
  progress(
    `xlsx dry-run: ${middle} rows x ${runs}, ${big} rows x ${runs}, ${SIZES.smallRows} rows x ${runs}`,
  );
  const results = {
    middle: await repeat(runs, () => cakeBulk(files.middle, middle, ['--dry-run'])),
    big: await repeat(runs, () => cakeBulk(files.big, big, ['--dry-run'])),
    small: await repeat(runs, () => cakeBulk(files.small, SIZES.smallRows, ['--dry-run'])),
  };
  details.xlsx_dry_run = results;
  for (const [rows, key] of [
    [middle, 'middle'],
    [big, 'big'],
  ]) {
    const wall = pick(results[key], 'wallSeconds');
    const perSecond = pick(results[key], 'rowsPerSecond');
    const rss = pick(results[key], 'rssMB');
    const judged = rows === 1_000_000;
    table.push({
      figure: `--dry-run of a ${num(rows)}-row .xlsx (validate + results file + log); peak RSS`,
      workload: workload(rows, results[key]),
      median: `${num(wall.median, 1)} s = ${num(perSecond.median)} rows/s; ${num(rss.median)} MB`,
      spread: `${num(perSecond.min)}-${num(perSecond.max)} rows/s; ${num(rss.min)}-${num(rss.max)} MB`,
      target: judged ? '>= 30,000 rows/s, <= 150 MB' : '(1,000,000 rows: >= 30,000 rows/s)',
      met: allOk(results[key]) && (!judged || (perSecond.median >= 30_000 && rss.median <= 150)),
    });
  }
  await memoryRow('--dry-run of an .xlsx', big, results.big, results.small);
}

async function rateLimit(sandbox) {
  const rows = SIZES.rateRows;
  progress(`--rate 200, ${rows} rows`);
  const file = input(rows).path;
  const results = await repeat(runs, () =>
    cakeBulk(file, rows, [...SEND_ONLY, '--concurrency', '16', '--rate', '200'], sandbox),
  );
  details.rate_200 = results;
  const rate = pick(results, 'rate');
  table.push({
    figure: '--rate 200 against a zero-latency server (requests/s, first to last attempt)',
    workload: workload(rows, results, ', --concurrency 16'),
    median: `${num(rate.median, 1)}/s`,
    spread: `${num(rate.min, 1)}-${num(rate.max, 1)}`,
    target: '190-210/s',
    met: allOk(results) && Math.abs(rate.median - 200) <= 10,
  });
}

/** A peer run: the command is checked by the server's count of applied updates. */
async function peerRun(sandbox, rows, command, args) {
  const before = await sandbox.stats();
  const run = await runTimed(command, args, { env: process.env, cwd: root, workDir: work });
  const after = await sandbox.stats();
  const applied = after.applied - before.applied;
  return {
    rows,
    code: run.code,
    wallSeconds: run.wallSeconds,
    rowsPerSecond: rows / run.wallSeconds,
    cpuPerRowUs: run.cpuSeconds === undefined ? undefined : (run.cpuSeconds / rows) * 1e6,
    applied,
    ok: run.code === 0 && applied === rows,
  };
}

function peerRow(figure, rows, peer, ours) {
  const p = pick(peer, 'rowsPerSecond');
  const o = pick(ours, 'rowsPerSecond');
  const pc = pick(peer, 'cpuPerRowUs');
  const oc = pick(ours, 'cpuPerRowUs');
  table.push({
    figure,
    workload: workload(
      rows,
      peer,
      `, same file, zero latency${allOk(ours) ? '' : ' (cake-bulk CHECK FAILED)'}`,
    ),
    median:
      `cake-bulk ${num(o.median)} rows/s vs ${num(p.median)} rows/s = ${num(o.median / p.median, 1)}x` +
      (pc && oc ? `; CPU/row ${num(oc.median)} µs vs ${num(pc.median)} µs` : ''),
    spread: `${num(o.min)}-${num(o.max)} vs ${num(p.min)}-${num(p.max)}`,
    target: 'all rows applied',
    met: allOk(peer) && allOk(ours),
  });
}

async function peers(sandbox) {
  const endpoint = `${sandbox.url}/api/2/update_offer.json`;
  const curlRows = SIZES.curlRows;
  const curlInput = input(curlRows, true);
  progress(`peer: xargs -P 16 curl, ${curlRows} rows`);
  const curl = await repeat(runs, () =>
    peerRun(sandbox, curlRows, 'sh', [
      join(root, 'bench', 'curl-peer.sh'),
      curlInput.bodiesPath,
      endpoint,
      '16',
    ]),
  );
  const oursC16 = await repeat(runs, () =>
    cakeBulk(curlInput.path, curlRows, [...SEND_ONLY, '--concurrency', '16'], sandbox),
  );
  details.peer_curl = { curl, cakeBulk: oursC16 };
  peerRow('vs `xargs -P 16 curl` (one process per row), --concurrency 16', curlRows, curl, oursC16);

  const newmanRows = SIZES.newmanRows;
  const newmanInput = input(newmanRows);
  progress(`peer: newman (sequential), ${newmanRows} rows`);
  const newmanArgs = [
    join(root, 'node_modules', 'newman', 'bin', 'newman.js'),
    'run',
    join(root, 'bench', 'newman-collection.json'),
    '-d',
    newmanInput.path,
    '--env-var',
    `base_url=${sandbox.url}`,
    '--env-var',
    `api_key=${API_KEY}`,
    '--silent',
  ];
  const newman = await repeat(runs, () => peerRun(sandbox, newmanRows, process.execPath, newmanArgs));
  const oursC1 = await repeat(runs, () =>
    cakeBulk(newmanInput.path, newmanRows, [...SEND_ONLY, '--concurrency', '1'], sandbox),
  );
  details.peer_newman = { newman, cakeBulk: oursC1 };
  peerRow('vs `newman run -d file.csv` (sequential), --concurrency 1', newmanRows, newman, oursC1);
}

function connectionsRow() {
  if (connectionRuns.length === 0) return;
  const worst = connectionRuns.reduce((a, b) =>
    b.connections / b.concurrency > a.connections / a.concurrency ? b : a,
  );
  table.push({
    figure: 'connections opened per run (sandbox count) vs --concurrency',
    workload: `${connectionRuns.length} apply runs above`,
    median: `worst: ${worst.connections} for --concurrency ${worst.concurrency}`,
    spread: '',
    target: '<= --concurrency',
    met: connectionRuns.every((r) => r.connections <= r.concurrency),
  });
}

/** The machine's speed now: median of 5 runs of bench/speed-reference.mjs, in ms (lower is faster). */
const speed = [];
async function speedCheck(when) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const run = await runTimed(process.execPath, [join(root, 'bench', 'speed-reference.mjs')], {
      workDir: work,
    });
    times.push(Number(run.stdout.trim()));
  }
  speed.push({ when, ms: summarize(times).median });
}

const started = performance.now();
try {
  await speedCheck('start');
  if (!only || only.includes('latency')) await latencyScenario();
  if (!only || ['zero', 'rss', 'rate', 'peers'].some((s) => only.includes(s))) {
    await speedCheck('before zero latency');
    await zeroLatencyScenarios();
  }
  if (!only || only.includes('reads')) {
    await speedCheck('before reads');
    await readScenarios({
      cli: flags.cli,
      run: cakeBulk,
      work,
      apiKey: API_KEY,
      runs,
      quick,
      table,
      details,
      progress,
    });
  }
  if (!only || only.includes('dry')) {
    await speedCheck('before dry run');
    await dryRun();
  }
  if (!only || only.includes('xlsx')) {
    await speedCheck('before xlsx');
    await xlsxDryRun();
  }
  if (!only || only.includes('web')) {
    await speedCheck('before web');
    const web = await webBench({
      cli: flags.cli,
      work,
      runs,
      quick,
      input: (rows) => input(rows).path,
      progress,
    });
    table.push(...web.table);
    Object.assign(details, web.details);
  }
  await speedCheck('end');
  connectionsRow();
} finally {
  rmSync(work, { recursive: true, force: true });
}

const machine = {
  date: new Date().toISOString(),
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model,
  node: process.version,
  accounting: HAS_TIME ? '/usr/bin/time' : 'process.cpuUsage preload',
  mode: quick ? 'quick' : flags['full-size'] ? 'full, 20,000 rows at every concurrency' : 'full',
  benchSeconds: Math.round((performance.now() - started) / 1000),
  speedReferenceMs: speed,
};
process.stdout.write(
  `\ncake-bulk bench (${machine.mode}) ${machine.date}, ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, ` +
    `${machine.benchSeconds} s, load average at the end ${machine.loadAverageAtEnd.join(' ')}\n` +
    `machine speed (bench/speed-reference.mjs, ms, lower is faster): ${speed.map((s) => `${s.when} ${num(s.ms)}`).join(', ')}\n\n`,
);
process.stdout.write(`${formatTable(table)}\n`);
writeFileSync(
  join(root, 'bench', 'results.json'),
  `${JSON.stringify({ machine, table, details }, null, 2)}\n`,
);
process.stdout.write('\nwrote bench/results.json\n');
process.exitCode = table.every((row) => row.met !== false) ? 0 : 1;
