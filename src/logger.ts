import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths redacted from every log line. The key travels in the request body, so bodies are covered as well
 * as headers; cake-bulk never logs a body with the key in it, this is the second line of defence.
 * Exact paths only: wildcards (`*.api_key`) made redaction walk every line, ~2 µs each on the per-row path.
 * Not `request.api_key`: a dry run logs each row's `request`, redacting it copied the object (~0.7 µs a
 * row), and an UpdateRequest cannot hold the key: validateRow builds it from the known columns only.
 */
export const REDACT_PATHS = ['api_key', 'apiKey', 'body.api_key', 'headers.authorization', 'options.apiKey'];

/**
 * A JSON-lines file logger. Lines are gathered into 4 KB writes, made synchronously: an asynchronous
 * destination writes one chunk per event-loop turn, so a fast run (a dry run, a quick server) piled its
 * log up in memory without bound. A timer flushes what a slow run leaves in the buffer; call
 * `flushLogger` before exiting.
 */
export function createFileLogger(path: string): Logger {
  const destination = pino.destination({
    dest: path,
    sync: true,
    mkdir: true,
    minLength: 4096,
    periodicFlush: 1000,
  });
  return pino(
    {
      base: null,
      timestamp: isoTimeCached,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

let stampedAt = -1;
let stamp = '';
/**
 * pino's ISO time stamp, built once per millisecond: a fast run logs several lines in the same
 * millisecond, and formatting the date for each was 2-3 µs of every line.
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

/** Flushes buffered lines to disk. */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    try {
      logger.flush((error) => {
        void error;
        resolve();
      });
    } catch {
      resolve();
    }
  });
}
