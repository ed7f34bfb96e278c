import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** A signing key for an identity provider double (an EKS OIDC issuer, Entra ID, a Google service account). */
export interface JwtKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  privatePem: string;
}

export function jwtKey(kid: string): JwtKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** An RS256 JWT. */
export function signJwt(key: JwtKey | KeyObject, claims: Record<string, unknown>, kid?: string): string {
  const privateKey = 'privateKey' in key ? key.privateKey : key;
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: kid ?? ('kid' in key ? key.kid : undefined) })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

/** The claims of an RS256 JWT signed by `publicKey`, or a reason it is refused (bad signature, expired). */
export function verifyJwt(token: string, publicKey: KeyObject | string, now: number): Record<string, unknown> | string {
  const [head, body, signature] = token.split('.');
  if (head === undefined || body === undefined || signature === undefined) return 'not a JWT';
  const header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
  if (header.alg !== 'RS256') return `alg ${header.alg} is not RS256`;
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (!verify('sha256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url'))) return 'bad signature';
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) return 'expired';
  return claims;
}
