#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Command, CommanderError, Option } from 'commander';
import { CakeBulkError, UsageError, describeError } from '../errors.js';
import { runBulk } from '../index.js';
import { humanSummary, jsonSummary } from './summary.js';
import { startSandbox } from '../sandbox/index.js';
import { capYoungGeneration } from './young-generation.js';

// V8 lets a small heap grow to ~4x what the last full GC kept before collecting again. A run keeps ~20 MB
// alive but allocates ~10 KB a row, so the heap sat at ~105 MB and the process at ~175 MB RSS; capping
// growth at 2x holds it near 140 MB for a few % more CPU (measured with the bench). Only the CLI sets
// this: a library must not change its host's GC. The flag exists in Node 20, 22 and 24.
setFlagsFromString('--heap-growing-percent=100');

interface RunFlags {
  baseUrl?: string;
  apiKeyFile?: string;
  out?: string;
  log?: string;
  concurrency?: number;
  rate?: number;
  maxAttempts?: number;
  timeout?: number;
  retryBudget?: number;
  breaker?: number;
  delimiter?: string;
  sheet?: string;
  excel?: boolean;
  skipInvalid?: boolean;
  dryRun?: boolean;
  force?: boolean;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Commander hands us strings; keep the text so a bad value is quoted back exactly as typed. */
const number = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UsageError(`Expected \`${flag}\` to be a number, got \`${value}\``);
  }
  return parsed;
};

function addRunOptions(command: Command, withDryRun: boolean): Command {
  command
    .option('--base-url <url>', 'CAKE admin URL, e.g. https://admin.example.com (env CAKE_BASE_URL)')
    .option('--api-key-file <path>', 'read the API key from this file (default: env CAKE_API_KEY)')
    .option('--out <path>', 'results CSV (default: <input-stem>.results.csv beside the input)')
    .option('--log <path>', 'JSON-lines log (default: <input-stem>.log.jsonl beside the input)')
    .option('--concurrency <n>', 'requests in flight at most', number('--concurrency'), 4)
    .option(
      '--rate <n>',
      'requests per second at most, across the pool (default: unlimited)',
      number('--rate'),
    )
    .option('--max-attempts <n>', 'attempts per row, the first included', number('--max-attempts'), 5)
    .option('--timeout <ms>', 'limit per attempt in ms', number('--timeout'), 30000)
    .option(
      '--retry-budget <n>',
      'retries allowed across the run (default: one per row)',
      number('--retry-budget'),
    )
    .option(
      '--breaker <n>',
      'stop after this many rows in a row fail every retry (0: never)',
      number('--breaker'),
      10,
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected from the header line)')
    .option('--sheet <name>', 'worksheet of an .xlsx input (default: the first)')
    .option('--excel', 'write the results with a BOM and CRLF for Excel')
    .option('--skip-invalid', 'send the valid rows even if some rows are invalid')
    .option('--force', 'overwrite an existing results file and journal')
    .option('--resume', 'continue an interrupted run (same --out) without resending updated rows')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('--quiet', 'print nothing but errors');
  if (withDryRun) command.option('--dry-run', 'validate and show what would be sent; opens no connection');
  return command;
}

async function runCommand(mode: 'apply' | 'rerun', input: string, flags: RunFlags): Promise<number> {
  const dryRun = flags.dryRun ?? false;
  // A dry run keeps nothing alive from one row to the next, so V8's young generation can stay at its first
  // size: growing it (to 32 MB) was most of what a 1,000,000-row dry run used beyond a 10,000-row one
  // (120 vs 80 MB RSS; 94 MB with this, CPU unchanged). Not when sending: rows in flight outlive a small
  // young generation (~10% more CPU a row), so there it may grow, to 16 MB and no more.
  if (dryRun) setFlagsFromString('--semi-space-growth-factor=1');
  else capYoungGeneration();
  const apiKey = readApiKey(flags.apiKeyFile);
  const stop = new AbortController();
  const abort = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      stop.abort();
      process.stderr.write(
        '\ncake-bulk: stopping: no new rows; waiting for requests in flight (Ctrl-C again to abort them)\n',
      );
    } else if (!abort.signal.aborted) {
      abort.abort();
      process.stderr.write('\ncake-bulk: aborting requests in flight; writing the results\n');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const showRequests = dryRun && !flags.quiet && !flags.json;
  const out: string[] = [];
  const result = await runBulk({
    input,
    mode,
    dryRun,
    baseUrl: flags.baseUrl ?? process.env.CAKE_BASE_URL,
    apiKey,
    out: flags.out,
    log: flags.log,
    concurrency: flags.concurrency,
    rate: flags.rate,
    maxAttempts: flags.maxAttempts,
    timeoutMs: flags.timeout,
    retryBudget: flags.retryBudget,
    breakerThreshold: flags.breaker,
    delimiter: flags.delimiter === 'tab' || flags.delimiter === '\\t' ? '\t' : flags.delimiter,
    sheet: flags.sheet,
    excel: flags.excel,
    skipInvalid: flags.skipInvalid,
    force: flags.force,
    resume: flags.resume,
    stopSignal: stop.signal,
    abortSignal: abort.signal,
    // A live counter only on a terminal; piped stderr gets the summary alone.
    onProgress:
      process.stderr.isTTY && !flags.quiet
        ? ({ done, total }) => process.stderr.write(`\r\x1b[Kcake-bulk: ${done}/${total} rows recorded`)
        : undefined,
    onWarning: (message) => flags.quiet || process.stderr.write(`cake-bulk: warning: ${message}\n`),
    onDryRunRequest: showRequests
      ? (row, request) => {
          out.push(`row ${row}: POST update_offer ${JSON.stringify(request)}\n`);
          if (out.length >= 256) process.stdout.write(out.splice(0).join(''));
        }
      : undefined,
  });
  if (out.length) process.stdout.write(out.join(''));
  if (flags.json) process.stdout.write(`${jsonSummary(result)}\n`);
  if (process.stderr.isTTY && !flags.quiet) process.stderr.write('\r\x1b[K');
  if (!flags.quiet) process.stderr.write(`${humanSummary(result, { mode, input, dryRun })}\n`);
  return result.exitCode;
}

function readApiKey(file: string | undefined): string | undefined {
  if (file === undefined) return process.env.CAKE_API_KEY;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `cannot read --api-key-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

async function runSandbox(flags: Record<string, number | undefined>): Promise<number> {
  const sandbox = await startSandbox({
    port: flags.port ?? 4010,
    apiKey: process.env.CAKE_API_KEY ?? 'sandbox-key',
    latencyMs: flags.latency,
    seed: flags.seed,
    retryAfterSeconds: flags.retryAfter,
    maxRps: flags.maxRps,
    maxOfferId: flags.maxOfferId,
    faults: {
      http503: flags.fail503 ?? 0,
      http429: flags.fail429 ?? 0,
      reset: flags.reset ?? 0,
      resetAfterApply: flags.resetAfterApply ?? 0,
      hang: flags.hang ?? 0,
      malformed: flags.malformed ?? 0,
      throttleMessage: flags.throttleMessage ?? 0,
    },
  });
  process.stdout.write(`CAKE sandbox listening on ${sandbox.url}\n`);
  process.stderr.write(
    `key: ${process.env.CAKE_API_KEY ? 'the value of CAKE_API_KEY' : 'sandbox-key'}; stats: GET ${sandbox.url}/_sandbox/stats; Ctrl-C stops\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
  process.stderr.write(`sandbox: ${JSON.stringify(sandbox.stats)}\n`);
  return 0;
}

/** The only place that touches argv, stdout/stderr and the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('cake-bulk')
    .description('Apply a spreadsheet of offer changes to CAKE update_offer: dry-run, apply, rerun, resume.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  addRunOptions(program.command('apply').argument('<input>', 'CSV or .xlsx of offer changes'), true)
    .description('validate every row, then send the valid ones')
    .action(async (input: string, flags: RunFlags) => {
      exitCode = await runCommand('apply', input, flags);
    });
  addRunOptions(
    program.command('rerun').argument('<results>', 'a results CSV written by apply or rerun'),
    true,
  )
    .description('send again only the rows of a results file that did not succeed')
    .action(async (input: string, flags: RunFlags) => {
      exitCode = await runCommand('rerun', input, flags);
    });
  const sandbox = program.command('sandbox').description('run the bundled CAKE simulator on 127.0.0.1');
  for (const [flag, help] of [
    ['--port <n>', 'port (0: any free one) [4010]'],
    ['--latency <ms>', 'delay before each answer'],
    ['--seed <n>', 'seed for the fault stream'],
    ['--retry-after <s>', 'Retry-After of 429 answers [1]'],
    ['--max-rps <n>', 'accept at most this many requests per second; 429 beyond'],
    ['--max-offer-id <n>', 'offers 1..n exist [10000000]'],
    ['--fail-503 <share>', 'share of requests answered 503 (0..1)'],
    ['--fail-429 <share>', 'share answered 429 with Retry-After'],
    ['--reset <share>', 'share whose connection is reset before applying'],
    ['--reset-after-apply <share>', 'share applied, then reset'],
    ['--hang <share>', 'share never answered'],
    ['--malformed <share>', 'share applied, then answered with a broken body'],
    ['--throttle-message <share>', "share answered 200 with CAKE's throttling message"],
  ] as const) {
    sandbox.addOption(new Option(flag, help).argParser(number(flag.split(' ')[0]!)));
  }
  sandbox.action(async (flags: Record<string, number | undefined>) => {
    exitCode = await runSandbox(flags);
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Asked-for help and version exit 0; help shown because no command was given is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.invalidArgument' && error.cause instanceof UsageError) {
        process.stderr.write(`cake-bulk: ${error.cause.message}\n`);
      }
      return 2;
    }
    const secret = process.env.CAKE_API_KEY;
    process.stderr.write(`cake-bulk: ${describeError(error, secret)}\n`);
    if (process.env.CAKE_BULK_DEBUG && error instanceof Error && !(error instanceof CakeBulkError)) {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
    return error instanceof CakeBulkError ? error.exitCode : 2;
  }
}

let settled = false;
// If a promise inside never settles, Node would exit quietly with code 0 once nothing is left to run;
// a run that did not finish must not look like one that succeeded.
process.once('beforeExit', () => {
  if (settled) return;
  process.stderr.write(
    'cake-bulk: internal error: the run stopped without finishing; the results file may be incomplete\n',
  );
  process.exitCode = 2;
});
main(process.argv).then((code) => {
  settled = true;
  process.exitCode = code;
});
