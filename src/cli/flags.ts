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
}

/** Commander hands us strings; keep the text so a bad value is quoted back exactly as typed. */
export const number = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    throw new UsageError(`Expected \`${flag}\` to be a number, got \`${value}\``);
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
