import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_PORT, startWebServer, type WebServer } from '../web/server.js';
import { number, port } from './flags.js';
import { readApiKey } from './api-key.js';
import { untilStopped } from './signals.js';
import { stderr, stdout } from './stdio.js';
import { capYoungGeneration } from './young-generation.js';

/** The options `serve` takes, as commander hands them over. */
export interface ServeFlags {
  port?: number;
  dir?: string;
  sandbox?: boolean;
  maxUpload?: number;
  baseUrl?: string;
  apiKeyFile?: string;
  concurrency?: number;
  rate?: number;
}

/** `serve`'s options on its commander command. */
export function addServeOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--port <n>', `port on 127.0.0.1 (0: any free one) [${DEFAULT_PORT}]`).argParser(port),
    )
    .option('--dir <path>', 'workspace: one folder a run under <dir>/runs/ (default: ./cake-bulk-runs)')
    .option('--sandbox', 'start the bundled CAKE sandbox too, and send to it (no CAKE account needed)')
    .option(
      '--max-upload <mb>',
      `largest upload, in MB [${DEFAULT_MAX_UPLOAD_BYTES / 1024 / 1024}]`,
      number('--max-upload'),
    )
    .option('--base-url <url>', 'CAKE admin URL (default: env CAKE_BASE_URL)')
    .option('--api-key-file <path>', 'read the API key from this file (default: env CAKE_API_KEY)')
    .option('--concurrency <n>', 'requests in flight at most, per run', number('--concurrency'))
    .option('--rate <n>', 'requests per second at most, per run (default: unlimited)', number('--rate'));
}

/** `cake-bulk serve`: the local web page until Ctrl-C; a run sending then stops as Ctrl-C stops `apply`. */
export async function serveCommand(flags: ServeFlags): Promise<number> {
  if (flags.sandbox && flags.baseUrl) {
    throw new UsageError(
      '--sandbox sends to the bundled sandbox; leave out --base-url, or leave out --sandbox',
    );
  }
  // The server sends as `apply` does, so it keeps apply's memory setting.
  capYoungGeneration();
  const maxUpload = flags.maxUpload ?? DEFAULT_MAX_UPLOAD_BYTES / 1024 / 1024;
  if (!(maxUpload > 0) || maxUpload > 100_000) {
    throw new UsageError(`--max-upload takes a number of MB above 0 (up to 100000), not ${maxUpload}`);
  }
  let sandbox: Sandbox | undefined;
  let baseUrl = flags.baseUrl ?? process.env.CAKE_BASE_URL;
  let apiKey = readApiKey(flags.apiKeyFile);
  if (flags.sandbox) {
    apiKey ||= 'sandbox-key';
    sandbox = await startSandbox({ port: 0, apiKey });
    baseUrl = sandbox.url;
  }
  if (!baseUrl) {
    throw new UsageError('no CAKE base URL: pass --base-url URL, set CAKE_BASE_URL, or try --sandbox');
  }
  if (!apiKey)
    throw new UsageError('no API key: set CAKE_API_KEY or pass --api-key-file PATH (or try --sandbox)');
  let server: WebServer;
  try {
    server = await startWebServer({
      dir: resolve(flags.dir ?? 'cake-bulk-runs'),
      baseUrl,
      apiKey,
      port: flags.port ?? DEFAULT_PORT,
      maxUploadBytes: Math.round(maxUpload * 1024 * 1024),
      send: { concurrency: flags.concurrency, rate: flags.rate },
      onLog: (line) => stderr.write(`cake-bulk serve: ${line}\n`),
    });
  } catch (error) {
    await sandbox?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new UsageError(
        `port ${flags.port ?? DEFAULT_PORT} is in use; pass --port N (0 picks a free one)`,
      );
    }
    throw error;
  }
  stdout.write(`cake-bulk serve: open ${server.url}\n`);
  stderr.write(
    `sending to ${sandbox ? `the bundled sandbox at ${sandbox.url}` : new URL(baseUrl).host}; ` +
      `workspace ${resolve(flags.dir ?? 'cake-bulk-runs')}; Ctrl-C stops\n`,
  );
  await untilStopped();
  // A run sending stops as after Ctrl-C in `apply`: requests in flight finish, the journal stays for Resume.
  stderr.write('cake-bulk serve: stopping\n');
  await server.close();
  await sandbox?.close();
  return 0;
}
