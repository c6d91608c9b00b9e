import type { Exchange } from './http-exchange.js';

/**
 * The exchanges in flight, all cancelled when the run's abort signal fires: one listener for the run
 * rather than one added and removed per request.
 */
export interface InFlight {
  readonly signal: AbortSignal;
  /** Tracks an exchange until `delete` is given the slot returned here. */
  add(exchange: Exchange): number;
  delete(slot: number): void;
  /** Stops listening on the signal (the run is over). */
  close(): void;
}

/** Why an exchange was cancelled by cake-bulk itself. */
export class Cancelled extends Error {
  constructor(readonly why: 'timeout' | 'aborted') {
    super(why);
  }
}

/**
 * Exchanges sit in reusable slots of an array, not in a Set: with a Set taking one add and one delete per
 * request, V8 promoted finished exchanges (and the undici objects they reach) out of the young generation,
 * leaving kilobytes a request for full collections to clear.
 */
export function trackInFlight(signal: AbortSignal): InFlight {
  const slots: Array<Exchange | undefined> = [];
  const free: number[] = [];
  const abortAll = () => {
    for (const exchange of slots) exchange?.cancel(new Cancelled('aborted'));
  };
  signal.addEventListener('abort', abortAll, { once: true });
  return {
    signal,
    add(exchange) {
      const slot = free.pop() ?? slots.length;
      slots[slot] = exchange;
      return slot;
    },
    delete(slot) {
      slots[slot] = undefined;
      free.push(slot);
    },
    close: () => signal.removeEventListener('abort', abortAll),
  };
}
