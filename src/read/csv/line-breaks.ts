const LF = 0x0a;
const CR = 0x0d;

/**
 * Counts line breaks the way the CSV reader numbers lines: CRLF, LF and CR each end one line. Text may
 * arrive in pieces split anywhere, a CRLF across two pieces included.
 */
export interface LineCounter {
  /** Counts the breaks in `bytes` (UTF-8, or any encoding whose CR and LF are single ASCII units). */
  push(bytes: Uint8Array): void;
  /** Breaks counted so far. */
  readonly breaks: number;
}

export function createLineCounter(): LineCounter {
  let breaks = 0;
  let afterCr = false;
  return {
    push(bytes) {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (b === LF) {
          if (!afterCr) breaks++;
          afterCr = false;
        } else if (b === CR) {
          breaks++;
          afterCr = true;
        } else afterCr = false;
      }
    },
    get breaks() {
      return breaks;
    },
  };
}

/** Line breaks in one piece of text. */
export function countLineBreaks(bytes: Uint8Array): number {
  const counter = createLineCounter();
  counter.push(bytes);
  return counter.breaks;
}
