import type { StopNotice } from '../send/send-row.js';

/** Why a run stopped before reaching the end of the file. */
export type StopReason = 'interrupted' | 'aborted' | 'auth' | 'tls' | 'circuit';

const STOP_MESSAGES: Record<StopReason, string> = {
  interrupted: 'not sent: the run was interrupted; continue it with --resume',
  aborted: 'not sent: the run was aborted; continue it with --resume',
  auth: 'not sent: the API rejected the key, so the run stopped',
  tls: "not sent: the server's TLS certificate was refused, so the run stopped",
  circuit:
    'not sent: the server kept failing, so the run stopped (circuit breaker); continue it with --resume',
};

/** One code per reason, the same whether the row waited in the reader or in the pool. */
const stopCode = (reason: StopReason) => `E_STOPPED_${reason.toUpperCase()}`;

/**
 * The one place a run decides to stop: the first of Ctrl-C, a second Ctrl-C, a rejected key or an open
 * circuit wins. Sending sees it as an AbortSignal whose reason is the row code and phrase.
 */
export interface StopPolicy {
  /** The reason the run is stopping, once it is. */
  readonly reason: StopReason | undefined;
  /** Fires on the first stop; sleeps and rate waits end early. */
  readonly signal: AbortSignal;
  stop(reason: StopReason): void;
  /** The row code and message of a row not sent because the run stopped. */
  skipped(): { code: string; message: string };
  /** Stops listening to the caller's signals. */
  close(): void;
}

export function createStopPolicy(stopSignal?: AbortSignal, abortSignal?: AbortSignal): StopPolicy {
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stop = (next: StopReason) => {
    if (reason) return;
    reason = next;
    const notice: StopNotice = {
      code: stopCode(next),
      reason: STOP_MESSAGES[next].replace(/^not sent: /, ''),
    };
    controller.abort(notice);
  };
  const onStop = () => stop('interrupted');
  const onAbort = () => stop('aborted');
  if (abortSignal?.aborted) onAbort();
  if (stopSignal?.aborted) onStop();
  stopSignal?.addEventListener('abort', onStop, { once: true });
  abortSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    get reason() {
      return reason;
    },
    signal: controller.signal,
    stop,
    skipped() {
      const why = reason ?? 'interrupted';
      return { code: stopCode(why), message: STOP_MESSAGES[why] };
    },
    close() {
      stopSignal?.removeEventListener('abort', onStop);
      abortSignal?.removeEventListener('abort', onAbort);
    },
  };
}
