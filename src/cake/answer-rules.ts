/** HTTP statuses worth another attempt: an update sets absolute values, so repeating it is safe. */
export const RETRYABLE_STATUSES = new Set([
  408, // Request Timeout: the server gave up waiting for us
  425, // Too Early: replay protection, try again later
  429, // Too Many Requests: throttled, honour Retry-After
  500, // Internal Server Error: often transient on CAKE
  502, // Bad Gateway: load balancer could not reach the app
  503, // Service Unavailable: maintenance or overload
  504, // Gateway Timeout: the app was too slow behind the proxy
]);

/** Statuses that mean the key is wrong: stop the whole run, every later request would fail too. */
export const AUTH_STATUSES = new Set([401, 403]);

/**
 * CAKE throttles with HTTP 200 and one of these messages (whole messages: `Offer is restricted to ...`
 * is a refusal about the offer, not throttling); they are retried like a 429.
 */
const THROTTLE_MESSAGES = [
  'api restricted',
  'api restricted: rate limit exceeded',
  'api call limit exceeded',
  'rate limit exceeded',
  'api rate limit exceeded',
  'too many requests',
];

/**
 * CAKE's answers for a key it does not accept, with HTTP 200. Whole messages again: a failure that merely
 * mentions `api_key` (`... field api_key_2 ...`) is about the row, not the key.
 */
const AUTH_MESSAGES = [
  'invalid api key',
  'api key invalid',
  'invalid api_key',
  'api key is invalid',
  'api key expired',
];

/** Trimmed, lower case, one space between words, without a final full stop. */
function normalize(message: string): string {
  return message.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[.!]$/, '');
}

/**
 * The message is one of `phrases`, whole, or one of them followed by its detail: after a colon or an
 * opening parenthesis, or a single word (the value it is about, such as the key it refused).
 */
function isPhrase(message: string, phrases: readonly string[]): boolean {
  const text = normalize(message);
  return phrases.some((phrase) => {
    if (text === phrase) return true;
    if (!text.startsWith(phrase)) return false;
    const rest = text.slice(phrase.length);
    return rest.startsWith(':') || rest.startsWith(' (') || /^ \S+$/.test(rest);
  });
}

/** True when `message` is one of CAKE's throttling messages. */
export function isThrottleMessage(message: string): boolean {
  return isPhrase(message, THROTTLE_MESSAGES);
}

/** True when `message` is one of CAKE's rejected-key messages. */
export function isAuthMessage(message: string): boolean {
  return isPhrase(message, AUTH_MESSAGES);
}
