// The read of current values (List Offers) before the first update: how many requests it takes, and what
// it costs an apply. Each run gets a sandbox of its own, so every run meets the catalog as it began.
import { join } from 'node:path';
import { GUARDS_OFF } from './cake-bulk-run.mjs';
import { writeInput } from './inputs.mjs';
import { summarize, withFreshSandbox } from './measure.mjs';
import { num } from './table.mjs';

const PAGE = 500;

/**
 * Adds the read figures to `table`: `ctx` is { cli, run (bench/cake-bulk-run.mjs), work, apiKey, runs,
 * quick, table, details, progress }.
 */
export async function readScenarios(ctx) {
  await requestCounts(ctx);
  await applyWithRead(ctx);
}

/** A file of `rows` offers from `firstId` on, inside every catalog below. */
function file(ctx, rows, firstId = 1) {
  const path = join(ctx.work, `reads-${rows}-${firstId}.csv`);
  writeInput(path, rows, { seed: 7, firstId });
  return path;
}

/** `cake-bulk plan` (GET only) and the sandbox's count of reads, against the bound. */
async function requestCounts(ctx) {
  const cases = [
    { rows: 20_000, offers: 50_000, firstId: 1 },
    { rows: 20_000, offers: 1_000_000, firstId: 1 },
    // Mid-catalog, as a real file's ids are: none of them on the first page.
    { rows: 30, offers: 1_000_000, firstId: 500_001 },
  ];
  const results = [];
  for (const { rows, offers, firstId } of cases) {
    ctx.progress(`read requests: plan of ${rows} rows against ${offers} offers`);
    const result = await withFreshSandbox(ctx.cli, { apiKey: ctx.apiKey, offers }, (sandbox) =>
      ctx.run(file(ctx, rows, firstId), rows, GUARDS_OFF, sandbox, 'plan'),
    );
    const bound = Math.min(rows, Math.ceil(offers / PAGE)) + 1;
    results.push({ ...result, offers, bound });
    ctx.table.push({
      figure: `read of current values: List Offers requests, ${num(rows)}-row file, ${num(offers)}-offer catalog`,
      workload: `${num(rows)} rows x 1, cake-bulk plan${result.ok ? '' : ' (CHECK FAILED)'}`,
      median: `${num(result.reads)} requests, ${num(result.wallSeconds, 1)} s; ${num(result.updates)} updates`,
      spread: '',
      target: `<= min(rows, ceil(offers/${PAGE})) + 1 = ${num(bound)}`,
      met: result.ok && result.reads <= bound,
    });
  }
  ctx.details.read_requests = results;
}

/** The cost of reading first: apply with and without it at 50 ms, runs alternated. */
async function applyWithRead(ctx) {
  const latencyMs = 50;
  const offers = 50_000;
  const rows = ctx.quick ? 4_000 : 20_000;
  const path = file(ctx, rows);
  ctx.progress(
    `apply with and without the read: ${rows} rows, ${offers} offers, ${latencyMs} ms, x ${ctx.runs}`,
  );
  const options = { apiKey: ctx.apiKey, offers, latencyMs };
  const pairs = [];
  for (let i = 0; i < ctx.runs; i++) {
    const once = (args) =>
      withFreshSandbox(ctx.cli, options, (sandbox) =>
        ctx.run(path, rows, [...args, '--concurrency', '16'], sandbox),
      );
    pairs.push([await once(GUARDS_OFF), await once(['--no-read-current'])]);
  }
  ctx.details.apply_with_read = pairs;
  const ok = pairs.flat().every((r) => r.ok);
  const ratio = summarize(pairs.map(([read, bare]) => read.wallSeconds / bare.wallSeconds));
  const wall = (k) => summarize(pairs.map((p) => p[k].wallSeconds)).median;
  ctx.table.push({
    figure: `apply reading current values first vs --no-read-current, ${latencyMs} ms, --concurrency 16, ${num(offers)} offers (wall)`,
    workload: `${num(rows)} rows x ${pairs.length} each, alternated${ok ? '' : ' (CHECK FAILED)'}`,
    median: `${num(wall(0), 1)} s vs ${num(wall(1), 1)} s = ${num(ratio.median, 3)}x; ${num(pairs[0][0].reads)} reads`,
    spread: `${num(ratio.min, 3)}-${num(ratio.max, 3)}x`,
    target: ctx.quick ? '(20,000 rows: <= 1.1x)' : '<= 1.1x',
    met: ok && (ctx.quick || ratio.median <= 1.1),
  });
}
