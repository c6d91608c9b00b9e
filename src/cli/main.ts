#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import { CakeBulkError, UsageError, describeError } from '../errors.js';
import { buildProgram } from './program.js';
import { RunCommandError } from './run-command.js';
import { stderr, stdout } from './stdio.js';

// V8 lets a small heap grow to ~4x what the last full GC kept before collecting again; a run keeps little
// alive but allocates for every row, so capping growth at 2x holds the process's memory much lower for a
// few % more CPU (docs/performance.md). Only the CLI sets this: a library must not change its host's GC.
// The flag exists in Node 20, 22 and 24.
setFlagsFromString('--heap-growing-percent=100');
// undici parses HTTP with llhttp compiled to WebAssembly. Once the parser runs hot, V8 recompiles it with
// TurboFan, whose register allocator takes tens of MB for that one large function, on background threads
// whose malloc arenas keep much of it: the largest single step in a run's peak memory, for a parse that is
// only a little faster (docs/performance.md). Staying in the baseline compiler (Liftoff) avoids it. Read
// when a module is compiled, which is after this line; the flag exists in Node 20, 22 and 24.
setFlagsFromString('--liftoff-only');

/** The only place that touches argv, stdout/stderr and the exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const fail = (error: CakeBulkError, next?: string) => {
    if (json) stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    stderr.write(`cake-bulk: ${error.message}\n`);
    if (next) stderr.write(`  next:    ${next}\n`);
    return error.exitCode;
  };
  // Refused before commander sees it, so the value is never echoed in an "unknown option" line.
  if (argv.slice(2).some((word) => /^--api-?key(=|$)/i.test(word))) {
    return fail(
      new UsageError(
        'there is no --api-key flag: a key on the command line shows in `ps` and the shell history; set CAKE_API_KEY or pass --api-key-file PATH',
      ),
    );
  }
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for exit 0; help shown because no command was given is a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
      if (error.code === 'commander.invalidArgument' && error.cause instanceof UsageError) {
        return fail(error.cause);
      }
      // commander has printed its own line (with the one prefix); --json still gets its object.
      if (json)
        stdout.write(
          `${JSON.stringify({ error: { code: 'E_USAGE', message: error.message.replace(/^error: /, '') } })}\n`,
        );
      return 2;
    }
    if (error instanceof RunCommandError) return fail(error, error.next);
    if (error instanceof CakeBulkError) return fail(error);
    const secret = process.env.CAKE_API_KEY;
    stderr.write(`cake-bulk: ${describeError(error, secret)}\n`);
    if (json)
      stdout.write(
        `${JSON.stringify({ error: { code: 'E_UNEXPECTED', message: describeError(error, secret) } })}\n`,
      );
    if (process.env.CAKE_BULK_DEBUG && error instanceof Error) stderr.write(`${error.stack ?? ''}\n`);
    return 2;
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
