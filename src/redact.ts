/** What a removed secret becomes. */
export const REDACTED = '[REDACTED]';

/** The shortest piece of a key that is removed wherever it appears, a cut-off key included. */
export const MIN_PIECE = 8;

/** Removes a secret from text; the identity when there is no secret. */
export type Redactor = (text: string) => string;

/**
 * A scrubber for one secret, for every text that came from outside (server answers, echoed fields,
 * network errors) before it is written anywhere. It removes the secret as it is, JSON-escaped and
 * URL-encoded, case-insensitively, and also any piece of at least MIN_PIECE characters of those forms:
 * a server that cut or split the key, or a cut made after the scrub, leaves nothing that long behind.
 *
 * It runs on every echoed field of every answer, so it first looks for runs of characters that all occur
 * in the key: ordinary text (offer names, messages) has none as long as a piece, and costs one pass.
 */
export function createRedactor(secret: string | undefined): Redactor {
  if (!secret || secret.length < 4) return (text) => text;
  const forms = [...new Set(secretForms(secret).map((form) => form.toLowerCase()))];
  const pieceLength = Math.min(MIN_PIECE, secret.length);
  const pieces = new Set<string>();
  const alphabet = new Set<number>();
  for (const form of forms) {
    for (let i = 0; i < form.length; i++) alphabet.add(form.charCodeAt(i));
    for (let i = 0; i + pieceLength <= form.length; i++) pieces.add(form.slice(i, i + pieceLength));
  }
  const ascii = new Uint8Array(128);
  for (const code of alphabet) if (code < 128) ascii[code] = 1;
  const inKey = (code: number): boolean => {
    const lower = code >= 65 && code <= 90 ? code + 32 : code;
    return lower < 128
      ? ascii[lower] === 1
      : alphabet.has(String.fromCharCode(code).toLowerCase().charCodeAt(0));
  };

  /** Piece matches inside text[start, end), a run of key characters. */
  const scrubRun = (text: string, start: number, end: number): string => {
    const lower = text.slice(start, end).toLowerCase();
    let out = '';
    let copied = 0;
    for (let i = 0; i + pieceLength <= lower.length;) {
      if (!pieces.has(lower.slice(i, i + pieceLength))) {
        i++;
        continue;
      }
      let stop = i + pieceLength;
      while (stop < lower.length && forms.some((form) => form.includes(lower.slice(i, stop + 1)))) stop++;
      out += text.slice(start + copied, start + i) + REDACTED;
      copied = i = stop;
    }
    return out + text.slice(start + copied, end);
  };

  return (text) => {
    if (text.length < pieceLength) return text;
    let out: string | undefined;
    let copied = 0;
    let runStart = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length && inKey(text.charCodeAt(i))) continue;
      if (i - runStart >= pieceLength) {
        const scrubbed = scrubRun(text, runStart, i);
        if (scrubbed.length !== i - runStart || scrubbed !== text.slice(runStart, i)) {
          out = (out ?? '') + text.slice(copied, runStart) + scrubbed;
          copied = i;
        }
      }
      runStart = i + 1;
    }
    return out === undefined ? text : out + text.slice(copied);
  };
}

/** The spellings a key can take in an answer: as it is, JSON-escaped (ASCII-only too), URL-encoded. */
function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const asciiJson = json.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const url = encodeURIComponent(secret);
  const form = url.replace(/%20/g, '+');
  return [secret, json, asciiJson, url, form];
}

/** Replaces every trace of the secret in `text` (see createRedactor). */
export function redactSecret(text: string, secret: string | undefined): string {
  return createRedactor(secret)(text);
}
