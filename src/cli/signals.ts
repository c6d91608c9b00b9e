import { stderr } from './stdio.js';

/** The signals a run treats as Ctrl-C: SIGHUP is a closed terminal or ssh session. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The first signal stops new rows; the second aborts requests in flight. */
export interface RunSignals {
  stop: AbortSignal;
  abort: AbortSignal;
  /** Stops listening. */
  close(): void;
}

export function listenForStop(): RunSignals {
  const stop = new AbortController();
  const abort = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      stop.abort();
      stderr.write(
        '\ncake-bulk: stopping: no new rows; waiting for requests in flight (Ctrl-C again to abort them)\n',
      );
    } else if (!abort.signal.aborted) {
      abort.abort();
      stderr.write('\ncake-bulk: aborting requests in flight; writing the results\n');
    }
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    close: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}

/** Resolves on the first stop signal (the sandbox's way to end). */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const name of STOP_SIGNALS) process.off(name, done);
      resolve();
    };
    for (const name of STOP_SIGNALS) process.on(name, done);
  });
}
