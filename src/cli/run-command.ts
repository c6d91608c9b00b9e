import { setFlagsFromString } from 'node:v8';
import { CakeBulkError } from '../errors.js';
import { readApiKey } from './api-key.js';
import { runBulk, type BulkResult } from '../index.js';
import { createRedactor } from '../redact.js';
import { painter } from './color.js';
import { askYesNo } from './ask.js';
import { maxChange, parseMaps, type RunFlags } from './flags.js';
import { question, reviewText } from './review.js';
import { rerunCommand, resumeCommand, sendCommand, undoCommand } from './next-command.js';
import { createProgress } from './progress.js';
import { listenForStop } from './signals.js';
import { stderr, stdout } from './stdio.js';
import { humanSummary, jsonSummary } from './summary.js';
import { capYoungGeneration } from './young-generation.js';

/** Invalid rows printed on the terminal; the results file holds all of them. */
const PROBLEMS_SHOWN = 20;

/** A run-level error, with the command that gets past it where there is one (printed as `next:`). */
export class RunCommandError extends CakeBulkError {
  constructor(
    error: CakeBulkError,
    readonly next: string | undefined,
  ) {
    super(error.code, error.message, error.exitCode);
  }
}

/** `cake-bulk apply` and `cake-bulk rerun`: flags and environment in, one summary out, the exit code back. */
export async function runCommand(mode: 'apply' | 'rerun', input: string, flags: RunFlags): Promise<number> {
  const dryRun = flags.dryRun ?? false;
  // A dry run keeps nothing alive from one row to the next, so V8's young generation can stay at its first
  // size (most of what a large dry run used beyond a small one). Not when sending: rows in flight outlive
  // a small young generation, so there it may grow, to a fixed cap.
  if (dryRun) setFlagsFromString('--semi-space-growth-factor=1');
  else capYoungGeneration();
  const apiKey = readApiKey(flags.apiKeyFile);
  const baseUrl = flags.baseUrl ?? process.env.CAKE_BASE_URL;
  const quiet = flags.quiet || flags.json;
  const signals = listenForStop();
  const progress = !quiet ? createProgress() : undefined;
  const requests: string[] = [];
  const showRequests = dryRun && flags.showRequests && !flags.json;
  try {
    const result = await runBulk({
      input,
      mode,
      dryRun,
      baseUrl,
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
      map: parseMaps(flags.map),
      excel: flags.excel,
      skipInvalid: flags.skipInvalid,
      force: flags.force,
      resume: flags.resume,
      readCurrent: flags.readCurrent,
      maxChangePct: maxChange(flags.maxChange),
      allowNegativeMargin: flags.allowNegativeMargin,
      allowExpired: flags.allowExpired,
      readPageSize: flags.readPageSize,
      // A person at a terminal sees the review and says yes; scripts (no terminal) and --yes are not asked.
      confirm:
        !flags.yes && !flags.json && process.stdin.isTTY && stderr.isTTY
          ? async (preview) => {
              progress?.end();
              stderr.write(reviewText(preview.counts, preview.review, preview.problems, input));
              return askYesNo(question(preview));
            }
          : undefined,
      stopSignal: signals.stop,
      abortSignal: signals.abort,
      onProgress: progress ? (p) => progress.update(p) : undefined,
      onWarning: (message) => flags.quiet || stderr.write(`cake-bulk: warning: ${message}\n`),
      onDryRunRequest: showRequests
        ? (row, request) => {
            // Printing stops when stdout goes away (`| head`); the run goes on.
            if (stdout.closed) return;
            requests.push(`row ${row}: POST update_offer ${JSON.stringify(request)}\n`);
            if (requests.length >= 256) stdout.write(requests.splice(0).join(''));
          }
        : undefined,
    });
    progress?.end();
    if (requests.length) stdout.write(requests.join(''));
    if (flags.json) stdout.write(`${jsonSummary(result)}\n`);
    if (!quiet) {
      stderr.write(problemList(result));
      const paint = painter(flags.color);
      const resume = resumeCommand(mode, input, result.results, flags.log, flags, baseUrl);
      const rerun = rerunCommand(result.results, flags, baseUrl);
      const send = sendCommand(mode, input, flags, baseUrl);
      const undo = result.undo ? undoCommand(result.undo, flags, baseUrl) : undefined;
      stderr.write(`${humanSummary(result, { dryRun, resume, rerun, send, undo, paint })}\n`);
    }
    return result.exitCode;
  } catch (error) {
    progress?.end();
    // Printed at the edge, which knows only CAKE_API_KEY: scrub the key as read, from a file too.
    const clean = scrubbed(error, apiKey);
    if (clean instanceof CakeBulkError)
      throw new RunCommandError(clean, nextFor(clean, mode, input, flags, baseUrl));
    throw clean;
  } finally {
    signals.close();
  }
}

/** The invalid rows, first PROBLEMS_SHOWN, on stderr: a person should not have to open a file to see them. */
function problemList(result: BulkResult): string {
  if (result.invalid === 0 || result.problems.length === 0) return '';
  const lines = result.problems
    .slice(0, PROBLEMS_SHOWN)
    .map((problem) => `cake-bulk: row ${problem.row}: ${problem.message} [${problem.code}]\n`);
  const more = result.invalid - Math.min(result.problems.length, PROBLEMS_SHOWN);
  if (more > 0)
    lines.push(`cake-bulk: ... and ${more.toLocaleString('en-US')} more invalid rows in ${result.results}\n`);
  return lines.join('');
}

/** The follow-up command for a refusal a command gets past: an interrupted run left its journal. */
function nextFor(
  error: CakeBulkError,
  mode: 'apply' | 'rerun',
  input: string,
  flags: RunFlags,
  baseUrl: string | undefined,
): string | undefined {
  if (error.code === 'E_JOURNAL_EXISTS' || error.code === 'E_RERUN_INTERRUPTED') {
    // Without --out, --resume finds the run by the default name (a rerun: the newest interrupted one).
    return `continue that run with: ${resumeCommand(mode, input, flags.out, flags.log, flags, baseUrl)}`;
  }
  return undefined;
}

function scrubbed(error: unknown, apiKey: string | undefined): unknown {
  if (!apiKey || !(error instanceof Error)) return error;
  const redact = createRedactor(apiKey);
  if (redact(error.message) === error.message) return error;
  if (error instanceof CakeBulkError)
    return new CakeBulkError(error.code, redact(error.message), error.exitCode);
  return new Error(redact(error.message));
}
