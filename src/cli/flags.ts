import { UsageError } from '../errors.js';

/** The options `apply` and `rerun` take, as commander hands them over. */
export interface RunFlags {
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
  /** `--map "HEADER=field"`, as given, in order. */
  map: string[];
  showRequests?: boolean;
  /** false with --no-color. */
  color: boolean;
  /** false with --no-read-current. */
  readCurrent: boolean;
  /** A number, or 'off'. */
  maxChange?: string;
  allowNegativeMargin?: boolean;
  allowExpired?: boolean;
  readPageSize?: number;
  /** Send without asking, even on a terminal. */
  yes?: boolean;
}

/** `--max-change 30` or `--max-change off`. */
export function maxChange(value: string | undefined): number | 'off' | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'off') return 'off';
  const pct = Number(value.replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(pct) || pct <= 0) {
    throw new UsageError(
      `--max-change takes a percent above 0 (e.g. 50) or off, not ${JSON.stringify(value)}`,
    );
  }
  return pct;
}

/** Gathers a repeatable option's values. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** `--map` values into the library's shape: the last `=` splits header from field, so a header may hold `=`. */
export function parseMaps(values: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0)
      throw new UsageError(
        `--map takes "HEADER=field" (or "HEADER=-" to keep a column as a note), not ${JSON.stringify(value)}`,
      );
    map[value.slice(0, at).trim()] = value.slice(at + 1).trim();
  }
  return map;
}

/** Commander hands us strings; keep the text so a bad value is quoted back exactly as typed. */
export const number = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UsageError(`${flag} takes a number, not ${JSON.stringify(value)}`);
  }
  return parsed;
};

/** A TCP port, 0 meaning any free one. */
export const port = (value: string) => {
  const parsed = number('--port')(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new UsageError(
      `--port takes a whole number from 0 to 65535 (0: any free port); ${value} is not one`,
    );
  }
  return parsed;
};
