// The README quick start: the whole workflow (dry-run, apply, fix, rerun) against the bundled CAKE
// sandbox, on a copy of samples/payouts.csv. No CAKE account needed.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSandbox } from '../dist/sandbox/index.js';

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
  process.stdout.write(run.stdout.split('\n').slice(0, 6).join('\n'));
  if (run.stdout.split('\n').length > 7) process.stdout.write('\n...\n');
  process.stdout.write(run.stderr);
  process.stdout.write(`(exit ${run.status})\n`);
  return run.status;
}

await step('1. check every row, send nothing', ['apply', 'payouts.csv', '--dry-run']);
await step('2. send the valid rows; the two invalid ones are recorded', [
  'apply',
  'payouts.csv',
  '--skip-invalid',
]);

// 3. The user fixes the two invalid cells in the results file, as they would in Excel.
const results = join(work, 'payouts.results.csv');
const fixed = readFileSync(results, 'utf8')
  .replace('$18.50', '18.50')
  .replace('2027-02-30 23:59:59', '2027-02-28 23:59:59');
writeFileSync(results, fixed);
process.stdout.write('\n# 3. fixed $18.50 -> 18.50 and 2027-02-30 -> 2027-02-28 in payouts.results.csv\n');

const code = await step('4. send only what did not succeed', ['rerun', 'payouts.results.csv']);
await sandbox.close();
process.stdout.write(
  `\nsandbox saw ${sandbox.stats.requests} requests, applied ${sandbox.stats.applied}; files are in ${work}\n`,
);
process.exitCode = code === 0 ? 0 : 1;
