import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { collect, number, port, type RunFlags } from './flags.js';
import { planCommand } from './plan-command.js';
import { runCommand } from './run-command.js';
import { runSandbox, type SandboxFlags } from './sandbox-command.js';
import { addServeOptions, serveCommand, type ServeFlags } from './serve-command.js';
import { stderr, stdout } from './stdio.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

type Mode = 'apply' | 'rerun';

/** The options `apply` and `rerun` share, each with the default that command really uses. */
function addRunOptions(command: Command, mode: Mode): Command {
  const outDefault =
    mode === 'apply'
      ? '<input-stem>.results.csv beside the input; a dry run: <input-stem>.dry-run.results.csv'
      : '<stem>.rerun-N.results.csv beside the results file, N the next free number';
  const logDefault =
    mode === 'apply'
      ? '<input-stem>.log.jsonl beside the input'
      : '<stem>.rerun-N.log.jsonl beside the results file';
  command
    .option('--base-url <url>', 'CAKE admin URL, e.g. https://admin.example.com (default: env CAKE_BASE_URL)')
    .option('--api-key-file <path>', 'read the API key from this file (default: env CAKE_API_KEY)')
    .option('--out <path>', `results CSV (default: ${outDefault})`)
    .option('--log <path>', `JSON-lines log, appended to (default: ${logDefault})`)
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
      'retries allowed across the run (default: one per row to send, at least 100)',
      number('--retry-budget'),
    )
    .option(
      '--breaker <n>',
      'stop after this many rows in a row fail every retry (0: never)',
      number('--breaker'),
      10,
    )
    .option(
      '--map <header=field>',
      'read a header as a field, or keep it as a note with =- (repeatable)',
      collect,
      [],
    );
  if (mode === 'apply') {
    command
      .option('--delimiter <char>', 'CSV delimiter: , ; tab | (default: detected from the header line)')
      .option('--sheet <name>', 'worksheet of an .xlsx input (default: the first visible one)');
  }
  addPlanOptions(command);
  command
    .option(
      '--no-read-current',
      'send without reading current values first: no unchanged rows, guardrails or undo file',
    )
    .option('--yes', 'send without asking, even on a terminal')
    .option('--skip-invalid', 'send the valid rows even if some rows are invalid or blocked')
    .option('--dry-run', 'validate and show what would be sent; opens no connection')
    .option('--show-requests', 'with --dry-run: print every request on stdout')
    .option('--force', 'replace an existing results file and journal')
    .option(
      '--resume',
      mode === 'apply'
        ? 'continue an interrupted run (same --out) without resending updated rows'
        : 'continue the newest interrupted rerun of this file',
    )
    .option('--excel', 'write the results with a BOM and CRLF for Excel (default: as the input does)')
    .option('--json', 'print the summary (or the error) as one JSON object on stdout')
    .option('--quiet', 'print nothing but errors')
    .option('--no-color', 'no colour in the summary (also: env NO_COLOR)');
  return command;
}

/** The guardrails and the reading of current values: `plan`, `apply` and `rerun` take them alike. */
function addPlanOptions(command: Command): Command {
  return command
    .option(
      '--max-change <pct>',
      'block a payout or revenue change larger than this % of its current value, or off',
      '50',
    )
    .option('--allow-negative-margin', 'allow changes that leave an offer paying out more than it earns')
    .option('--allow-expired', 'allow making an offer active whose expiration date is in the past')
    .option(
      '--read-page-size <n>',
      'offers asked for in one List Offers page',
      number('--read-page-size'),
      500,
    );
}

const EXAMPLES: Record<Mode | 'plan' | 'sandbox' | 'program', string> = {
  plan: `
Examples:
  $ cake-bulk plan payouts.csv --base-url https://admin.example.com    before -> after for every row; sends no update
  $ cake-bulk plan payouts.csv --max-change 20                          stricter: block moves over 20%
  $ cake-bulk plan payouts.undo.csv                                     what undoing a run would change`,
  program: `
Examples:
  $ cake-bulk plan payouts.csv --base-url https://admin.example.com
  $ cake-bulk apply payouts.csv --base-url https://admin.example.com
  $ cake-bulk rerun payouts.results.csv
  $ cake-bulk apply payouts.undo.csv --max-change off --allow-negative-margin --allow-expired
  $ cake-bulk help apply`,
  apply: `
Examples:
  $ cake-bulk apply payouts.csv --dry-run                 check every row; send nothing
  $ CAKE_API_KEY=... cake-bulk apply payouts.xlsx --sheet Q4 --base-url https://admin.example.com
  $ cake-bulk apply payouts.csv --resume --out payouts.results.csv   after Ctrl-C or a crash
  $ cake-bulk apply payouts.undo.csv --max-change off --allow-negative-margin --allow-expired   put a run back`,
  rerun: `
Examples:
  $ cake-bulk rerun payouts.results.csv                   send what failed or was skipped again
  $ cake-bulk rerun payouts.results.csv --dry-run         check the rows you fixed in the results file
  $ cake-bulk rerun payouts.results.csv --resume          continue an interrupted rerun`,
  sandbox: `
Examples:
  $ cake-bulk sandbox --port 4010
  $ cake-bulk sandbox --port 0 --latency 50 --fail-503 0.1 --seed 7`,
};

const SERVE_EXAMPLES = `
Examples:
  $ cake-bulk serve --sandbox                             rehearse against the bundled sandbox
  $ CAKE_API_KEY=... cake-bulk serve --base-url https://admin.example.com --dir payout-runs`;

/** The commands and their options; `done` receives the exit code of the command that ran. */
export function buildProgram(done: (exitCode: number) => void): Command {
  const program = new Command('cake-bulk')
    .description(
      'Apply a spreadsheet of offer changes to CAKE: plan, apply, rerun, resume, undo; from a terminal or a local web page.',
    )
    .version(VERSION)
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      // One prefix for every error, commander's own included.
      writeErr: (text) => stderr.write(text.replace(/^error: /, 'cake-bulk: ')),
    })
    .addHelpText('after', EXAMPLES.program);
  const plan = program
    .command('plan')
    .argument('<input>', 'CSV or .xlsx of offer changes')
    .description("read every offer's current values and show what the file would change; sends no update")
    .addHelpText('after', EXAMPLES.plan)
    .option('--base-url <url>', 'CAKE admin URL, e.g. https://admin.example.com (default: env CAKE_BASE_URL)')
    .option('--api-key-file <path>', 'read the API key from this file (default: env CAKE_API_KEY)')
    .option('--out <path>', 'the plan CSV (default: <input-stem>.plan.csv beside the input)')
    .option('--concurrency <n>', 'requests in flight at most', number('--concurrency'), 4)
    .option('--rate <n>', 'requests per second at most (default: unlimited)', number('--rate'))
    .option('--max-attempts <n>', 'attempts per request, the first included', number('--max-attempts'), 5)
    .option('--timeout <ms>', 'limit per attempt in ms', number('--timeout'), 30000)
    .option(
      '--map <header=field>',
      'read a header as a field, or keep it as a note with =- (repeatable)',
      collect,
      [],
    )
    .option('--delimiter <char>', 'CSV delimiter: , ; tab | (default: detected from the header line)')
    .option('--sheet <name>', 'worksheet of an .xlsx input (default: the first visible one)')
    .option('--excel', 'write the plan with a BOM and CRLF for Excel (default: as the input does)')
    .option('--json', "print the plan's counts as one JSON object on stdout")
    .option('--quiet', 'print nothing but errors')
    .option('--no-color', 'no colour (also: env NO_COLOR)');
  addPlanOptions(plan).action(async (input: string, flags: RunFlags) => {
    done(await planCommand(input, flags));
  });
  for (const mode of ['apply', 'rerun'] as const) {
    const command = program
      .command(mode)
      .argument(
        mode === 'apply' ? '<input>' : '<results>',
        mode === 'apply' ? 'CSV or .xlsx of offer changes' : 'a results CSV written by apply or rerun',
      )
      .description(
        mode === 'apply'
          ? 'validate every row, then send the valid ones'
          : 'send again only the rows of a results file that did not succeed',
      )
      .addHelpText('after', EXAMPLES[mode]);
    addRunOptions(command, mode).action(async (input: string, flags: RunFlags) => {
      done(await runCommand(mode, input, flags));
    });
  }
  const sandbox = program
    .command('sandbox')
    .description('run the bundled CAKE simulator on 127.0.0.1')
    .addHelpText('after', EXAMPLES.sandbox);
  for (const [flag, help] of [
    ['--port <n>', 'port (0: any free one) [4010]'],
    ['--latency <ms>', 'delay before each answer'],
    ['--seed <n>', 'seed for the fault stream'],
    ['--retry-after <s>', 'Retry-After of 429 answers [1]'],
    ['--max-rps <n>', 'accept at most this many requests per second; 429 beyond'],
    ['--offers <n>', 'offers 1..n exist, each seeded [10000000]'],
    ['--catalog-seed <n>', 'seed of the catalog: names, payouts, statuses [1]'],
    ['--max-row-limit <n>', 'List Offers answers at most this many rows a page [500]'],
    ['--max-offer-id <n>', 'the same as --offers (kept for scripts)'],
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
  sandbox.option(
    '--catalog <path>',
    'CSV of exact offers (offer_id, offer_name, offer_status, payout, revenue, expiration_date)',
  );
  sandbox.action(async (flags: SandboxFlags) => {
    done(await runSandbox(flags));
  });
  addServeOptions(
    program
      .command('serve')
      .description('the local web page: upload, review, apply, rerun and undo in a browser')
      .addHelpText('after', SERVE_EXAMPLES),
  ).action(async (flags: ServeFlags) => {
    done(await serveCommand(flags));
  });
  return program;
}
