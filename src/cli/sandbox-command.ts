import { UsageError } from '../errors.js';
import { loadCatalogCsv, startSandbox, type Sandbox } from '../sandbox/index.js';
import { untilStopped } from './signals.js';
import { stderr, stdout } from './stdio.js';

export type SandboxFlags = Record<string, number | undefined> & { catalog?: string };

/** `cake-bulk sandbox`: the simulator on 127.0.0.1 until Ctrl-C. */
export async function runSandbox(flags: SandboxFlags): Promise<number> {
  const port = flags.port ?? 4010;
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      port,
      apiKey: process.env.CAKE_API_KEY?.trim() || 'sandbox-key',
      latencyMs: flags.latency,
      seed: flags.seed,
      retryAfterSeconds: flags.retryAfter,
      maxRps: flags.maxRps,
      offers: flags.offers ?? flags.maxOfferId,
      catalogSeed: flags.catalogSeed,
      maxRowLimit: flags.maxRowLimit,
      catalog: flags.catalog ? await loadCatalogCsv(flags.catalog) : undefined,
      faults: {
        http503: flags.fail503 ?? 0,
        http429: flags.fail429 ?? 0,
        reset: flags.reset ?? 0,
        resetAfterApply: flags.resetAfterApply ?? 0,
        hang: flags.hang ?? 0,
        malformed: flags.malformed ?? 0,
        throttleMessage: flags.throttleMessage ?? 0,
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is in use; pass --port N (0 picks a free one)`);
    if (code === 'EACCES')
      throw new UsageError(`port ${port} needs privileges; pass --port with a number from 1024`);
    throw error;
  }
  stdout.write(`CAKE sandbox listening on ${sandbox.url}\n`);
  stderr.write(
    `key: ${process.env.CAKE_API_KEY ? 'the value of CAKE_API_KEY' : 'sandbox-key'}; stats: GET ${sandbox.url}/_sandbox/stats; Ctrl-C stops\n`,
  );
  await untilStopped();
  await sandbox.close();
  stderr.write(`sandbox: ${JSON.stringify(sandbox.stats)}\n`);
  return 0;
}
