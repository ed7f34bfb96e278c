import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a SigV4-signed request claims, once its signature has been checked. */
export interface SignedBy {
  accessKeyId: string;
  region: string;
  service: string;
}

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way AWS does: the canonical
 * request is rebuilt from what arrived, signed with the secret the double issued, and compared.
 * Returns who signed, or a reason the request is refused.
 */
export function verifySigV4(method: string, url: URL, headers: IncomingHttpHeaders, body: Buffer, secretFor: (accessKeyId: string) => string | undefined, now: number): SignedBy | string {
  const auth = headers.authorization;
  if (typeof auth !== 'string') return 'missing Authorization';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (match === null) return 'Authorization is not SigV4';
  const [, accessKeyId = '', day = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  const secret = secretFor(accessKeyId);
  if (secret === undefined) return `unknown access key ${accessKeyId}`;
  const amzDate = headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(day)) return 'x-amz-date missing or not the credential day';
  const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signedAt) || Math.abs(now - signedAt) > 5 * 60_000) return 'request time too skewed';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  const canonicalHeaders = names.map((name) => `${name}:${headerValue(headers[name])}\n`).join('');
  const payloadHash = createHash('sha256').update(body).digest('hex');
  const claimed = headers['x-amz-content-sha256'];
  if (typeof claimed === 'string' && claimed !== payloadHash && claimed !== 'UNSIGNED-PAYLOAD') return 'x-amz-content-sha256 does not match the body';
  const query = [...url.searchParams]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    method,
    url.pathname
      .split('/')
      .map((p) => encode(decodeURIComponent(p)))
      .join('/') || '/',
    query,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(toSign).digest();
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'signature does not match';
  return { accessKeyId, region, service };
}

function headerValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** RFC 3986 unreserved characters stay, everything else is %XX (AWS's URI encoding). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
