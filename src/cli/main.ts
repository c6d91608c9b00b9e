#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import { CakeBulkError, UsageError, describeError } from '../errors.js';
import { buildProgram } from './program.js';
import { stderr } from './stdio.js';

// V8 lets a small heap grow to ~4x what the last full GC kept before collecting again; a run keeps little
// alive but allocates for every row, so capping growth at 2x holds the process's memory much lower for a
// few % more CPU (docs/performance.md). Only the CLI sets this: a library must not change its host's GC.
// The flag exists in Node 20, 22 and 24.
setFlagsFromString('--heap-growing-percent=100');

/** The only place that touches argv, stdout/stderr and the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Asked-for help and version exit 0; help shown because no command was given is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.invalidArgument' && error.cause instanceof UsageError) {
        stderr.write(`cake-bulk: ${error.cause.message}\n`);
      }
      return 2;
    }
    const secret = process.env.CAKE_API_KEY;
    stderr.write(`cake-bulk: ${describeError(error, secret)}\n`);
    if (process.env.CAKE_BULK_DEBUG && error instanceof Error && !(error instanceof CakeBulkError)) {
      stderr.write(`${error.stack ?? ''}\n`);
    }
    return error instanceof CakeBulkError ? error.exitCode : 2;
  }
}

let settled = false;
// If a promise inside never settles, Node would exit quietly with code 0 once nothing is left to run;
// a run that did not finish must not look like one that succeeded.
process.once('beforeExit', () => {
  if (settled) return;
  stderr.write(
    'cake-bulk: internal error: the run stopped without finishing; the results file may be incomplete\n',
  );
  process.exitCode = 2;
});
main(process.argv).then((code) => {
  settled = true;
  process.exitCode = code;
});
