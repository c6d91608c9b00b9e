import { pino, type Logger } from 'pino';
import { createLineFile } from './line-file.js';
import { openOutputFile } from './output-file.js';

export type { Logger };

/**
 * Paths redacted from every log line. The key travels in the request body, so bodies are covered as well
 * as headers; cake-bulk never logs a body with the key in it, this is the second line of defence.
 * Exact paths only: wildcards (`*.api_key`) make redaction walk every line on the per-row path.
 * Not `request.api_key`: a dry run logs each row's `request`, redacting it copies the object, and an
 * UpdateRequest cannot hold the key: validateRow builds it from the known columns only.
 */
export const REDACT_PATHS = ['api_key', 'apiKey', 'body.api_key', 'headers.authorization', 'options.apiKey'];

/** Writes one info line with these fields. */
export type LogLine = (fields: Record<string, unknown>) => void;

/** A logger writing to a file of its own, and the way to close that file. */
export interface FileLogger {
  logger: Logger;
  /**
   * The per-row lines, shaped as pino writes them (level, time, then the fields) but serialized by one
   * `JSON.stringify`: pino walks and escapes each field, half of a row line's cost and a sixth of a dry
   * run. Nothing is redacted, so only for fields that cannot hold the key (row numbers, statuses, requests).
   */
  line: LogLine;
  /** Writes what is buffered and closes the file. */
  close(): void;
}

/**
 * A JSON-lines file logger (appends), pino writing into a LineFile: pino's own buffered destination
 * measures its whole pending buffer on every line, the largest allocation of a run.
 */
export function openFileLogger(path: string): FileLogger {
  const fd = openOutputFile(path, 'append');
  const file = createLineFile(fd, { path, maxDelayMs: 1000 });
  const destination = {
    write: (line: string) => file.write(line),
    flush: (done?: (error?: Error) => void) => {
      file.flush();
      done?.();
    },
  };
  const logger = pino(
    {
      base: null,
      timestamp: isoTimeCached,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const line: LogLine = (fields) => {
    const json = JSON.stringify(fields);
    file.write(`{"level":"info"${isoTimeCached()}${json === '{}' ? '}' : `,${json.slice(1)}`}\n`);
  };
  return { logger, line, close: () => file.close() };
}

/** Row lines through a logger the caller gave: every line then goes through pino, redaction included. */
export const linesVia =
  (logger: Logger): LogLine =>
  (fields) =>
    logger.info(fields);

let stampedAt = -1;
let stamp = '';
/**
 * pino's ISO time stamp, built once per millisecond: a fast run logs several lines in the same
 * millisecond, and formatting the date for each is a visible share of every line.
 */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/** A logger that drops everything, for library callers that want no log. */
export function createSilentLogger(): Logger {
  return pino({ enabled: false });
}
