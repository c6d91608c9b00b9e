import { planBulk } from '../index.js';
import { readApiKey } from './api-key.js';
import { sendCommand } from './next-command.js';
import { maxChange, parseMaps, type RunFlags } from './flags.js';
import { reviewText } from './review.js';
import { listenForStop } from './signals.js';
import { stderr, stdout } from './stdio.js';
import { capYoungGeneration } from './young-generation.js';

/** `cake-bulk plan`: read current values, write the plan file, print the review; never sends an update. */
export async function planCommand(input: string, flags: RunFlags): Promise<number> {
  // Pages of the catalog are in flight as rows are when sending, so plan keeps apply's memory setting.
  capYoungGeneration();
  const signals = listenForStop();
  try {
    const baseUrl = flags.baseUrl ?? process.env.CAKE_BASE_URL;
    const result = await planBulk({
      input,
      baseUrl,
      apiKey: readApiKey(flags.apiKeyFile),
      out: flags.out,
      concurrency: flags.concurrency,
      rate: flags.rate,
      maxAttempts: flags.maxAttempts,
      timeoutMs: flags.timeout,
      delimiter: flags.delimiter === 'tab' || flags.delimiter === '\\t' ? '\t' : flags.delimiter,
      sheet: flags.sheet,
      map: parseMaps(flags.map),
      excel: flags.excel,
      maxChangePct: maxChange(flags.maxChange),
      allowNegativeMargin: flags.allowNegativeMargin,
      allowExpired: flags.allowExpired,
      readPageSize: flags.readPageSize,
      stopSignal: signals.stop,
      abortSignal: signals.abort,
      onWarning: (message) => flags.quiet || stderr.write(`cake-bulk: warning: ${message}\n`),
    });
    const { counts } = result;
    if (flags.json) {
      stdout.write(
        `${JSON.stringify({ total: result.total, change: counts.change, unchanged: counts.unchanged, invalid: counts.invalid, blocked: counts.blocked, not_found: counts.not_found, plan: result.plan })}\n`,
      );
    } else if (!flags.quiet) {
      if (!result.readCurrent) {
        stderr.write(
          'cake-bulk: no base URL or key, so current values were not read: the plan checks the cells only\n',
        );
      }
      stderr.write(reviewText(counts, result.review, result.problems, result.plan));
      stderr.write(`  plan:    ${result.plan}\n`);
      if (result.exitCode === 0 && counts.change > 0)
        stderr.write(`  next:    send it with: ${sendCommand('apply', input, flags, baseUrl)}\n`);
    }
    return result.exitCode;
  } finally {
    signals.close();
  }
}
