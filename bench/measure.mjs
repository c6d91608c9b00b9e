// Processes and their accounting: the sandbox in its own process, timed runs of a command, CPU from
// /proc, the sandbox's own counters. Nothing here knows what a scenario measures.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
/** Whether `/usr/bin/time` can account for a command's whole process tree (the peers need it). */
export const HAS_TIME = existsSync(TIME);
const PRELOAD = new URL('./cpu-report.mjs', import.meta.url).href;
const TICKS_PER_SECOND = 100;

/** Starts `cake-bulk sandbox` as its own process and waits for its URL. */
export async function startSandboxProcess(cli, { latencyMs = 0, maxOfferId, offers, apiKey }) {
  const args = [cli, 'sandbox', '--port', '0', '--latency', String(latencyMs)];
  if (maxOfferId) args.push('--max-offer-id', String(maxOfferId));
  if (offers) args.push('--offers', String(offers));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, CAKE_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code} before listening`)));
  });
  return {
    url,
    pid: child.pid,
    /** The sandbox's counters; each call opens (and counts) one connection of its own. */
    stats: () => fetchStats(url),
    /** CPU seconds (user + sys) the sandbox process has used so far, or undefined off Linux. */
    cpuSeconds: () => procCpuSeconds(child.pid),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function fetchStats(url) {
  return new Promise((resolve, reject) => {
    get(`${url}/_sandbox/stats`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

function procCpuSeconds(pid) {
  try {
    // Fields after the command name: state is [0], utime [11], stime [12], in clock ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * Runs a command to completion with its resource use: wall seconds, CPU seconds (user + sys, children
 * included) and peak RSS in MB. Node commands fall back to a preload that reports its own usage when
 * `/usr/bin/time` is missing; other commands then get no CPU figure.
 */
export async function runTimed(command, args, { env, cwd, workDir, stdin }) {
  const usageFile = join(workDir, `usage-${process.pid}-${Date.now()}.txt`);
  let file = command;
  let argv = args;
  let childEnv = env;
  if (HAS_TIME) {
    file = TIME;
    argv = ['-f', '%U %S %M', '-o', usageFile, command, ...args];
  } else if (command === process.execPath) {
    argv = ['--import', PRELOAD, ...args];
    childEnv = { ...env, BENCH_USAGE_FILE: usageFile };
  }
  const started = performance.now();
  const child = spawn(file, argv, { env: childEnv, cwd, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (stdin) child.stdin.end(stdin);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.once('close', resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  const usage = readUsage(usageFile);
  rmSync(usageFile, { force: true });
  return { code, stdout, stderr, wallSeconds, ...usage };
}

function readUsage(path) {
  if (!existsSync(path)) return { cpuSeconds: undefined, rssMB: undefined };
  const text = readFileSync(path, 'utf8').trim();
  if (text.startsWith('{')) {
    const usage = JSON.parse(text);
    return { cpuSeconds: (usage.user + usage.system) / 1e6, rssMB: usage.maxRSS / 1024 };
  }
  // `/usr/bin/time` puts "Command exited with non-zero status N" first when the command failed.
  const [user, sys, rssKB] = text.split('\n').at(-1).split(' ').map(Number);
  return { cpuSeconds: user + sys, rssMB: rssKB / 1024 };
}

/** Median and range of a list of numbers (undefined entries ignored). */
export function summarize(values) {
  const sorted = values.filter((v) => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), n: sorted.length };
}

/** Seconds between the log's first event (run_start, after validation) and its last (run_end). */
export function logSpanSeconds(logPath) {
  const fd = openSync(logPath, 'r');
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(size, 64 * 1024));
  const tail = Buffer.alloc(Math.min(size, 64 * 1024));
  readSync(fd, head, 0, head.length, 0);
  readSync(fd, tail, 0, tail.length, size - tail.length);
  closeSync(fd);
  const first = JSON.parse(head.toString('utf8').split('\n')[0]);
  const last = JSON.parse(tail.toString('utf8').trimEnd().split('\n').at(-1));
  return (Date.parse(last.time) - Date.parse(first.time)) / 1000;
}

/** Requests per second the log's attempt events show, first to last. */
export function attemptRate(logPath) {
  const times = [];
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.includes('"event":"attempt"')) continue;
    times.push(Date.parse(JSON.parse(line).time));
  }
  if (times.length < 2) return undefined;
  return (times.length - 1) / ((times.at(-1) - times[0]) / 1000);
}

/**
 * `fn(sandbox)` against a sandbox process of its own, stopped after: a run that reads current values
 * first must meet the catalog as it began, or the rows an earlier run applied read back as unchanged.
 */
export async function withFreshSandbox(cli, options, fn) {
  const sandbox = await startSandboxProcess(cli, options);
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.stop();
  }
}
