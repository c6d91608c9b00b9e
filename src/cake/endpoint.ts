import { UsageError } from '../errors.js';

/** Where CAKE's endpoints are for one base URL, split as the HTTP client takes them. */
export interface CakeEndpoint {
  /** `https://admin.example.com` */
  origin: string;
  /** Path of `update_offer.json`. */
  updateOfferPath: string;
  /** The update URL, for the log (it never holds the key: that travels in the body). */
  updateOfferUrl: string;
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
    throw new UsageError(
      `Expected \`--base-url\` to be a URL like https://admin.example.com, got \`${baseUrl}\``,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`Expected \`--base-url\` to start with https://, got \`${url.protocol}\``);
  }
  if (url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new UsageError(
      `refusing http:// to ${url.hostname}: the API key would travel unencrypted; use https:// (http is allowed only to 127.0.0.1/localhost)`,
      'E_INSECURE_URL',
    );
  }
  if (url.username || url.password) throw new UsageError('Expected `--base-url` without credentials in it');
  const updateOfferPath = /\/update_offer\.json$/i.test(url.pathname)
    ? `${url.pathname}${url.search}`
    : `${url.pathname.replace(/\/+$/, '')}/api/2/update_offer.json`;
  return { origin: url.origin, updateOfferPath, updateOfferUrl: `${url.origin}${updateOfferPath}` };
}
