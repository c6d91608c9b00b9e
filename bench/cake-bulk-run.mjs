// One checked run of the built CLI against a sandbox process, as a user would run it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { attemptRate, logSpanSeconds, runTimed } from './measure.mjs';

/** The bench's rows are random against the sandbox's random catalog: the guardrails would block most. */
export const GUARDS_OFF = ['--max-change', 'off', '--allow-negative-margin', '--allow-expired'];

/**
 * Returns `run(file, rows, args, sandbox, command = 'apply')`: one `cake-bulk <command>` run, checked.
 * apply: exit 0, every row updated or unchanged (or dry_run), and the server stored every update.
 * plan: exit 0, every row change or unchanged, and the server saw no update at all.
 */
export function createRunner({ cli, work, apiKey }) {
  let counter = 0;
  return async function run(file, rows, args, sandbox, command = 'apply') {
    const id = ++counter;
    const out = join(work, `run-${id}.${command === 'plan' ? 'plan' : 'results'}.csv`);
    const log = join(work, `run-${id}.log.jsonl`);
    const env = { ...process.env, CAKE_API_KEY: apiKey, CAKE_BASE_URL: sandbox?.url ?? '' };
    const before = sandbox && (await sandbox.stats());
    const sandboxCpu0 = sandbox?.cpuSeconds();
    const logArgs = command === 'plan' ? [] : ['--log', log];
    const argv = [cli, command, file, '--out', out, ...logArgs, '--json', ...args];
    const timed = await runTimed(process.execPath, argv, { env, cwd: work, workDir: work });
    const after = sandbox && (await sandbox.stats());
    const summary = JSON.parse(timed.stdout.trim().split('\n').at(-1) || '{}');
    const dryRun = args.includes('--dry-run');
    const settled = (summary.unchanged ?? 0) + (command === 'plan' ? (summary.change ?? 0) : 0);
    const done = (dryRun ? summary.dry_run : command === 'plan' ? 0 : summary.updated) + settled;
    const result = {
      rows,
      args,
      code: timed.code,
      wallSeconds: timed.wallSeconds,
      cpuSeconds: timed.cpuSeconds,
      rssMB: timed.rssMB,
      rowsPerSecond: rows / timed.wallSeconds,
      cpuPerRowUs: timed.cpuSeconds === undefined ? undefined : (timed.cpuSeconds / rows) * 1e6,
      rate: args.includes('--rate') ? attemptRate(log) : undefined,
      sendRowsPerSecond: command === 'plan' ? undefined : rows / logSpanSeconds(log),
      updated: summary.updated ?? 0,
      unchanged: summary.unchanged ?? 0,
    };
    if (sandbox) {
      // The "after" stats request opened one connection of its own.
      result.connections = after.connections - before.connections - 1;
      result.applied = after.applied - before.applied;
      result.updates = after.updates - before.updates;
      result.reads = after.reads - before.reads;
      result.serverMsPerRequest = (after.busyMs - before.busyMs) / (result.updates + result.reads);
      const cpu = sandbox.cpuSeconds();
      result.sandboxCpuPerRowUs = cpu === undefined ? undefined : ((cpu - sandboxCpu0) / rows) * 1e6;
    }
    const stored = dryRun || (command === 'plan' ? result.updates === 0 : result.applied === result.updated);
    result.ok = timed.code === 0 && done === rows && stored;
    if (!result.ok) {
      process.stderr.write(`bench: run ${id} (${command}) failed its check: ${timed.stderr.slice(-400)}\n`);
    }
    rmSync(out, { force: true });
    rmSync(log, { force: true });
    return result;
  };
}
