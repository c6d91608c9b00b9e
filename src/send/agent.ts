import type { Dispatcher } from 'undici';

/** Keep-alive connections, never more than the pool's concurrency. undici is loaded only when sending. */
export async function createAgent(concurrency: number, timeoutMs: number): Promise<Dispatcher> {
  const { Agent } = await import('undici');
  return new Agent({
    connections: concurrency,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: Math.min(timeoutMs, 10_000) },
  });
}
