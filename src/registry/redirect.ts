import { REGISTRY_CODES, TransportError } from './errors.ts';
import type { Exchange } from './http.ts';

export const REDIRECT_STATUS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** The statuses that keep the method and body (RFC 9110 §15.4); the others turn a POST into a GET. */
const KEEPS_METHOD = new Set([307, 308]);

/**
 * The request to send after a redirect, or a refusal. A request carrying a credential (an
 * Authorization header, or a body: the only bodies we send are token grants) never goes to another
 * origin: the registry's token, password or refresh token would reach a host it does not belong
 * to, and its answer (a token) would be trusted. The one exception is content checked against a
 * digest we already hold (blobs, which registries serve from storage hosts): it is followed with
 * the credential dropped, since nothing the other host sends is used unverified.
 */
export function redirected(exchange: Exchange, status: number, location: string): Exchange {
  const from = exchange.url;
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new TransportError(`${from.host} sent a redirect that is not a URL`, false, status);
  }
  const keepsMethod = exchange.method !== 'POST' || KEEPS_METHOD.has(status);
  const next: Exchange = keepsMethod ? { ...exchange, url: to } : asGet(exchange, to);
  if (to.origin === from.origin || !carriesCredential(exchange)) return next;
  if (exchange.verifiedByDigest === true && exchange.body === undefined) return { ...next, headers: withoutAuthorization(next.headers) };
  throw new TransportError(`${from.host} redirected a request carrying credentials to ${to.host}; refused: credentials go only to the host they belong to`, false, status, {
    code: REGISTRY_CODES.credentialRedirect,
    data: { from: from.host, to: to.host },
  });
}

function carriesCredential(exchange: Exchange): boolean {
  return exchange.headers.authorization !== undefined || exchange.body !== undefined;
}

/** 301/302/303 after a POST: a GET without the body (and without the body's headers). */
function asGet(exchange: Exchange, url: URL): Exchange {
  const { 'content-type': _type, ...headers } = exchange.headers;
  const { body: _body, ...rest } = exchange;
  return { ...rest, method: 'GET', url, headers };
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { authorization: _dropped, ...rest } = headers;
  return rest;
}
