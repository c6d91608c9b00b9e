import { DEFAULTS } from '../run/resolve-options.js';
import type { RunFlags } from './flags.js';

/** A word for a POSIX shell: as it is when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The flags a follow-up command needs to go on the way this run went: where to send (the base URL as it
 * resolved, so a command printed after a run driven by CAKE_BASE_URL still works in a fresh shell), what
 * was read (sheet, delimiter, --map), how (rate, concurrency and the retry settings when not the defaults,
 * --skip-invalid, --excel), and the key file's path. Never the key.
 */
export function carriedFlags(
  flags: RunFlags,
  baseUrl: string | undefined,
  mode: 'apply' | 'rerun',
): string[] {
  const words: string[] = [];
  const add = (flag: string, value?: string | number) => {
    words.push(flag);
    if (value !== undefined) words.push(String(value));
  };
  if (baseUrl) add('--base-url', baseUrl);
  if (flags.apiKeyFile) add('--api-key-file', flags.apiKeyFile);
  if (mode === 'apply' && flags.sheet) add('--sheet', flags.sheet);
  if (mode === 'apply' && flags.delimiter)
    add('--delimiter', flags.delimiter === '\t' ? 'tab' : flags.delimiter);
  for (const map of flags.map) add('--map', map);
  if (flags.rate !== undefined) add('--rate', flags.rate);
  if (flags.concurrency !== undefined && flags.concurrency !== DEFAULTS.concurrency)
    add('--concurrency', flags.concurrency);
  if (flags.maxAttempts !== undefined && flags.maxAttempts !== DEFAULTS.maxAttempts)
    add('--max-attempts', flags.maxAttempts);
  if (flags.timeout !== undefined && flags.timeout !== DEFAULTS.timeoutMs) add('--timeout', flags.timeout);
  if (flags.retryBudget !== undefined) add('--retry-budget', flags.retryBudget);
  if (flags.breaker !== undefined && flags.breaker !== DEFAULTS.breakerThreshold)
    add('--breaker', flags.breaker);
  if (flags.skipInvalid) add('--skip-invalid');
  if (flags.excel) add('--excel');
  if (flags.readCurrent === false) add('--no-read-current');
  if (flags.maxChange !== undefined && flags.maxChange !== String(DEFAULTS.maxChangePct))
    add('--max-change', flags.maxChange);
  if (flags.allowNegativeMargin) add('--allow-negative-margin');
  if (flags.allowExpired) add('--allow-expired');
  if (flags.readPageSize !== undefined && flags.readPageSize !== 500)
    add('--read-page-size', flags.readPageSize);
  return words;
}

/** `cake-bulk <mode> <input> --resume --out <out> ...`: continue this very run. */
export function resumeCommand(
  mode: 'apply' | 'rerun',
  input: string,
  out: string | undefined,
  log: string | undefined,
  flags: RunFlags,
  baseUrl: string | undefined,
): string {
  const words = ['cake-bulk', mode, input, '--resume', ...(out === undefined ? [] : ['--out', out])];
  if (log !== undefined) words.push('--log', log);
  return [...words, ...carriedFlags(flags, baseUrl, mode)].map(shellQuote).join(' ');
}

/** `cake-bulk rerun <results> ...`: send again what did not succeed. */
export function rerunCommand(results: string, flags: RunFlags, baseUrl: string | undefined): string {
  return ['cake-bulk', 'rerun', results, ...carriedFlags(flags, baseUrl, 'rerun')].map(shellQuote).join(' ');
}

/** The same run again, for a dry run that found nothing wrong: without --dry-run. */
export function sendCommand(
  mode: 'apply' | 'rerun',
  input: string,
  flags: RunFlags,
  baseUrl: string | undefined,
): string {
  return ['cake-bulk', mode, input, ...carriedFlags(flags, baseUrl, mode)].map(shellQuote).join(' ');
}

/**
 * Applying a run's undo file: the earlier state exactly, so without the guardrails (undoing a 90% cut is
 * itself a 90% move, and an offer may have been active past its expiry before).
 */
export function undoCommand(undo: string, flags: RunFlags, baseUrl: string | undefined): string {
  const carried = carriedFlags(
    {
      ...flags,
      map: [],
      sheet: undefined,
      delimiter: undefined,
      maxChange: undefined,
      allowNegativeMargin: false,
      allowExpired: false,
    },
    baseUrl,
    'apply',
  );
  return [
    'cake-bulk',
    'apply',
    undo,
    ...carried,
    '--max-change',
    'off',
    '--allow-negative-margin',
    '--allow-expired',
  ]
    .map(shellQuote)
    .join(' ');
}
