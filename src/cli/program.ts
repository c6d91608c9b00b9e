import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { number, port, type RunFlags } from './flags.js';
import { runCommand } from './run-command.js';
import { runSandbox, type SandboxFlags } from './sandbox-command.js';
import { stderr, stdout } from './stdio.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

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

/** The commands and their options; `done` receives the exit code of the command that ran. */
export function buildProgram(done: (exitCode: number) => void): Command {
  const program = new Command('cake-bulk')
    .description('Apply a spreadsheet of offer changes to CAKE update_offer: dry-run, apply, rerun, resume.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stderr.write(text) });
  addRunOptions(program.command('apply').argument('<input>', 'CSV or .xlsx of offer changes'), true)
    .description('validate every row, then send the valid ones')
    .action(async (input: string, flags: RunFlags) => {
      done(await runCommand('apply', input, flags));
    });
  addRunOptions(
    program.command('rerun').argument('<results>', 'a results CSV written by apply or rerun'),
    true,
  )
    .description('send again only the rows of a results file that did not succeed')
    .action(async (input: string, flags: RunFlags) => {
      done(await runCommand('rerun', input, flags));
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
    const name = flag.split(' ')[0]!;
    sandbox.addOption(new Option(flag, help).argParser(name === '--port' ? port : number(name)));
  }
  sandbox.action(async (flags: SandboxFlags) => {
    done(await runSandbox(flags));
  });
  return program;
}
