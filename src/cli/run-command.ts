import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { CakeBulkError, UsageError } from '../errors.js';
import { createRedactor } from '../redact.js';
import { runBulk } from '../index.js';
import type { RunFlags } from './flags.js';
import { listenForStop } from './signals.js';
import { stderr, stdout } from './stdio.js';
import { humanSummary, jsonSummary } from './summary.js';
import { capYoungGeneration } from './young-generation.js';

/** `cake-bulk apply` and `cake-bulk rerun`: flags and environment in, one summary out, the exit code back. */
export async function runCommand(mode: 'apply' | 'rerun', input: string, flags: RunFlags): Promise<number> {
  const dryRun = flags.dryRun ?? false;
  // A dry run keeps nothing alive from one row to the next, so V8's young generation can stay at its first
  // size (most of what a large dry run used beyond a small one). Not when sending: rows in flight outlive
  // a small young generation, so there it may grow, to a fixed cap.
  if (dryRun) setFlagsFromString('--semi-space-growth-factor=1');
  else capYoungGeneration();
  const apiKey = readApiKey(flags.apiKeyFile);
  const signals = listenForStop();
  const showRequests = dryRun && !flags.quiet && !flags.json;
  const out: string[] = [];
  try {
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
      stopSignal: signals.stop,
      abortSignal: signals.abort,
      // A live counter only on a terminal; piped stderr gets the summary alone.
      onProgress:
        stderr.isTTY && !flags.quiet
          ? ({ done, total }) => stderr.write(`\r\x1b[Kcake-bulk: ${done}/${total} rows recorded`)
          : undefined,
      onWarning: (message) => flags.quiet || stderr.write(`cake-bulk: warning: ${message}\n`),
      onDryRunRequest: showRequests
        ? (row, request) => {
            // Printing stops when stdout goes away (`| head`); the run goes on.
            if (stdout.closed) return;
            out.push(`row ${row}: POST update_offer ${JSON.stringify(request)}\n`);
            if (out.length >= 256) stdout.write(out.splice(0).join(''));
          }
        : undefined,
    });
    if (out.length) stdout.write(out.join(''));
    if (flags.json) stdout.write(`${jsonSummary(result)}\n`);
    if (stderr.isTTY && !flags.quiet) stderr.write('\r\x1b[K');
    if (!flags.quiet) stderr.write(`${humanSummary(result, { mode, input, dryRun })}\n`);
    return result.exitCode;
  } catch (error) {
    // Printed at the edge, which knows only CAKE_API_KEY: scrub the key as read, from a file too.
    throw scrubbed(error, apiKey);
  } finally {
    signals.close();
  }
}

function scrubbed(error: unknown, apiKey: string | undefined): unknown {
  if (!apiKey || !(error instanceof Error)) return error;
  const redact = createRedactor(apiKey);
  if (redact(error.message) === error.message) return error;
  if (error instanceof CakeBulkError)
    return new CakeBulkError(error.code, redact(error.message), error.exitCode);
  return new Error(redact(error.message));
}

/** The key from --api-key-file or CAKE_API_KEY, trimmed alike; there is no flag for the key itself. */
function readApiKey(file: string | undefined): string | undefined {
  if (file === undefined) return process.env.CAKE_API_KEY?.trim();
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `cannot read --api-key-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}
