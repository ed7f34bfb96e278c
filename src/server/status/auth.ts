/**
 * Who may read the status page: everyone (nothing configured), a bearer token, and/or an
 * authenticating proxy's identity header (oauth2-proxy's `X-Forwarded-User`, `X-Auth-Request-Email`,
 * …), believed only when the request comes straight from one of the configured proxy addresses:
 * from anywhere else such a header is forged, and refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4 } from 'node:net';

export interface ProxyAuth {
  /** The identity header, any case (`X-Forwarded-User`). */
  header: string;
  /** Addresses or CIDRs the proxy connects from (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`). */
  trustedProxies: readonly string[];
}

export interface AuthOptions {
  token?: string;
  proxyAuth?: ProxyAuth;
}

export type AuthDecision = { ok: true; who?: string } | { ok: false; status: 401 | 403; message: string };

/** The longest identity a proxy may send; longer (or with control characters) is refused. */
export const MAX_IDENTITY = 256;

export function authCheck(options: AuthOptions): (request: IncomingMessage) => AuthDecision {
  const bearer = options.token === undefined ? undefined : bearerCheck(options.token);
  const proxy = options.proxyAuth === undefined ? undefined : proxyCheck(options.proxyAuth);
  if (bearer === undefined && proxy === undefined) return () => ({ ok: true });
  return (request) => {
    const authorization = request.headers.authorization;
    if (bearer !== undefined && authorization !== undefined) return bearer(authorization) ? { ok: true } : { ok: false, status: 401, message: 'the bearer token is not valid' };
    if (proxy !== undefined) {
      const decision = proxy(request);
      if (decision !== undefined) return decision;
    }
    return bearer === undefined ? { ok: false, status: 403, message: 'only the authenticating proxy may send requests' } : { ok: false, status: 401, message: 'a bearer token is required' };
  };
}

/** Compared as digests in constant time. */
function bearerCheck(token: string): (header: string) => boolean {
  const want = createHash('sha256').update(token).digest();
  return (header) => {
    const given = /^Bearer +(\S+)$/i.exec(header)?.[1];
    return given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), want);
  };
}

/** The proxy's identity when the request is the proxy's; undefined when it comes from elsewhere without the header. */
function proxyCheck(auth: ProxyAuth): (request: IncomingMessage) => AuthDecision | undefined {
  const header = auth.header.toLowerCase();
  const trusted = trustedList(auth.trustedProxies);
  return (request) => {
    const value = request.headers[header];
    const fromProxy = isTrusted(trusted, request.socket.remoteAddress);
    if (!fromProxy) return value === undefined ? undefined : { ok: false, status: 403, message: `${auth.header} is trusted only from the configured proxies` };
    const who = typeof value === 'string' ? value.trim() : undefined;
    if (who === undefined || who === '' || who.length > MAX_IDENTITY || /[\p{Cc}]/u.test(who)) return { ok: false, status: 401, message: `the proxy sent no usable ${auth.header}` };
    return { ok: true, who };
  };
}

/** Throws on an address or CIDR node:net cannot read (the config schema checks them first). */
export function trustedList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string | undefined): boolean {
  if (address === undefined) return false;
  // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return list.check(mapped, 'ipv4') || list.check(address, 'ipv6');
  return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
}
