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

/** CAKE throttles with HTTP 200 and one of these messages; they are retried like a 429. */
export const THROTTLE_MESSAGE = /restricted|rate limit|too many/i;

/** CAKE reports a bad key with HTTP 200 and a message about the key. */
export const AUTH_MESSAGE = /api[ _-]?key/i;
