/**
 * A stream cake-bulk prints to that can go away: `| head -1` closes stdout, a closed terminal closes
 * stderr. Writing to it then must never throw or stop the run; the output is simply dropped, and the run
 * finishes and exits with its own code.
 */
export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  /** True once the stream failed (EPIPE and the like): nothing more reaches it. */
  readonly closed: boolean;
}

export function guardOutput(stream: NodeJS.WriteStream): Output {
  let closed = false;
  // Node reports a write to a closed pipe as an 'error' event; without a listener it is an uncaught exception.
  stream.on('error', () => {
    closed = true;
  });
  return {
    write(text) {
      if (closed || text === '') return;
      try {
        stream.write(text);
      } catch {
        closed = true;
      }
    },
    get isTTY() {
      return stream.isTTY === true && !closed;
    },
    get closed() {
      return closed;
    },
  };
}

/** The process's two outputs, guarded once. */
export const stdout = guardOutput(process.stdout);
export const stderr = guardOutput(process.stderr);
