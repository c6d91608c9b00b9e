import { UsageError } from '../errors.js';

/** Where CAKE's endpoints are for one base URL, split as the HTTP client takes them. */
export interface CakeEndpoint {
  /** `https://admin.example.com` */
  origin: string;
  /** Path of `update_offer.json`. */
  updateOfferPath: string;
  /** The update URL, for the log (it never holds the key: that travels in the body). */
  updateOfferUrl: string;
  /** Path of List Offers (`offers.json`), which takes the key in its query: never log a URL built on it. */
  listOffersPath: string;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * CAKE's endpoints for a base URL. Plain http is allowed only to this machine: the key would cross the
 * network in clear text.
 */
export function resolveEndpoint(baseUrl: string): CakeEndpoint {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    // Only the part before any query or user name is quoted back: those are where a key would be.
    const shown = baseUrl.split(/[?#@]/)[0];
    throw new UsageError(
      `--base-url takes a URL like https://admin.example.com, not ${JSON.stringify(shown)}`,
    );
  }
  if (url.username || url.password) {
    throw new UsageError(
      '--base-url must not hold a user name or password; CAKE takes its key from CAKE_API_KEY or --api-key-file',
      'E_URL_CREDENTIALS',
    );
  }
  if (url.search || url.hash) {
    throw new UsageError(
      `--base-url must be the admin URL alone (${url.origin}${url.pathname.replace(/\/+$/, '')}), without ?query or #fragment; the key goes in CAKE_API_KEY or --api-key-file`,
      'E_URL_CREDENTIALS',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`--base-url takes an https:// URL, not ${url.protocol}//`);
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `refusing http:// to ${url.hostname}: the API key would travel unencrypted; use https:// (http is allowed only to 127.0.0.1/localhost)`,
      'E_INSECURE_URL',
    );
  }
  // A base given as the update endpoint itself keeps working: the API's root is what comes before it.
  const root = url.pathname.replace(/\/api\/2\/update_offer\.json$/i, '').replace(/\/+$/, '');
  const updateOfferPath = /\/update_offer\.json$/i.test(url.pathname)
    ? url.pathname
    : `${root}/api/2/update_offer.json`;
  return {
    origin: url.origin,
    updateOfferPath,
    updateOfferUrl: `${url.origin}${updateOfferPath}`,
    listOffersPath: `${root}/api/2/offers.json`,
  };
}
