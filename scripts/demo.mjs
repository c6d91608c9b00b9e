// The README quick start: the whole workflow (plan, apply, fix, rerun, and what undoing it would do)
// against the bundled CAKE sandbox, on a copy of samples/payouts.csv, with samples/catalog.csv as the
// offers' current values. No CAKE account needed.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCatalogCsv, startSandbox } from '../dist/sandbox/index.js';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.tmp', 'demo');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const input = join(work, 'payouts.csv');
copyFileSync(join(root, 'samples', 'payouts.csv'), input);

// A little weather: 5% of requests answer 503 and 2% reset, so the retries show up in the results.
const sandbox = await startSandbox({
  apiKey: 'sandbox-key',
  latencyMs: 20,
  seed: 42,
  faults: { http503: 0.05, reset: 0.02 },
  catalog: await loadCatalogCsv(join(root, 'samples', 'catalog.csv')),
});
const env = { ...process.env, CAKE_API_KEY: 'sandbox-key', CAKE_BASE_URL: sandbox.url };

// Async spawn: the sandbox lives in this process, so blocking on the child would starve it.
function runCli(args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], {
      env,
      cwd: work,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

async function step(title, args) {
  process.stdout.write(`\n$ cake-bulk ${args.join(' ')}    # ${title}\n`);
  const run = await runCli(args);
  process.stdout.write(run.stdout);
  process.stdout.write(run.stderr);
  process.stdout.write(`(exit ${run.status})\n`);
  return run.status;
}

await step('1. check every row against the offers as they are; send nothing', ['plan', 'payouts.csv']);
await step('2. send the rows that change; invalid and blocked ones are recorded, unchanged ones skipped', [
  'apply',
  'payouts.csv',
  '--skip-invalid',
  '--yes',
]);

// 3. The user fixes the cells in the results file, as they would in Excel: two typos and a payout of
// 7.00 that the guardrail stopped (the offer pays 70.00: the sheet lost a zero).
const results = join(work, 'payouts.results.csv');
const fixed = readFileSync(results, 'utf8')
  .replace('$18.50', '18.50')
  .replace('2027-02-30 23:59:59', '2027-02-28 23:59:59')
  .replace(/^(\d+,10449,[^,]*,[^,]*,)7\.00,/m, '$170.00,');
writeFileSync(results, fixed);
process.stdout.write(
  '\n# 3. fixed $18.50 -> 18.50, 2027-02-30 -> 2027-02-28 and 7.00 -> 70.00 in payouts.results.csv\n',
);

const code = await step('4. send only what did not succeed', ['rerun', 'payouts.results.csv', '--yes']);
await step('5. what undoing the first apply would change (apply it to undo)', [
  'plan',
  'payouts.undo.csv',
  '--max-change',
  'off',
  '--allow-negative-margin',
  '--allow-expired',
]);
await sandbox.close();
process.stdout.write(
  `\nsandbox saw ${sandbox.stats.reads} reads and ${sandbox.stats.updates} updates, applied ${sandbox.stats.applied}; files are in ${work}\n`,
);
process.exitCode = code === 0 ? 0 : 1;
