import { redactSecret } from './redact.js';

/**
 * Run-level errors. Row-level problems never throw: they become result records.
 * Every error carries a stable `code` (codes.ts) and the exit code the CLI should use, so the edge prints
 * one line and exits.
 */
export class CakeBulkError extends Error {
  override name = 'CakeBulkError';
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A flag or option value is wrong; nothing was read or sent. */
export class UsageError extends CakeBulkError {
  override name = 'UsageError';
  constructor(message: string, code = 'E_USAGE') {
    super(code, message, 2);
  }
}

/** The input file cannot be read as a table (encoding, structure, headers). Nothing was sent. */
export class FileError extends CakeBulkError {
  override name = 'FileError';
  readonly file: string;
  readonly line: number | undefined;
  /** The message without the file and line in front. */
  readonly detail: string;

  constructor(code: string, file: string, line: number | undefined, message: string) {
    super(code, `${file}${line === undefined ? '' : `:${line}`}: ${message}`, 2);
    this.file = file;
    this.line = line;
    this.detail = message;
  }
}

/** Output paths (results, journal, log) cannot be written or would overwrite earlier work. */
export class OutputError extends CakeBulkError {
  override name = 'OutputError';
  constructor(code: string, message: string) {
    super(code, message, 2);
  }
}

/** Formats anything thrown into one line for the terminal, with the secret scrubbed. */
export function describeError(error: unknown, secret?: string): string {
  const text =
    error instanceof CakeBulkError
      ? error.message
      : error instanceof Error
        ? `unexpected error: ${error.message}`
        : `unexpected error: ${String(error)}`;
  return redactSecret(text.split('\n')[0] ?? text, secret);
}
