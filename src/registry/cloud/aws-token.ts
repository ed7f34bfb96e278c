import { basic } from '../credentials.ts';
import { CloudAuthError } from './credentials.ts';
import type { CloudKind, CloudToken } from './types.ts';

/** ECR's answer (private and public alike): base64 `AWS:<password>`, valid until `expiresAt`. */
export function fromAuthorizationData(kind: CloudKind, host: string, token: string | undefined, expiresAt: Date | undefined): CloudToken {
  if (token === undefined || token === '') throw new CloudAuthError(kind, host, 'GetAuthorizationToken returned no token');
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new CloudAuthError(kind, host, 'GetAuthorizationToken returned a token that is not base64 of user:password');
  // ECR's tokens last 12 hours; a missing expiry is taken as one hour, to be asked again early.
  const expires = expiresAt instanceof Date && !Number.isNaN(expiresAt.getTime()) ? expiresAt.getTime() : Date.now() + 60 * 60_000;
  return { credential: basic(host, decoded.slice(0, colon), decoded.slice(colon + 1)), expiresAt: expires };
}

/** Bounds on the SDK's own requests: a stuck endpoint fails the registry, not the cycle. */
export const AWS_REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 15_000 };
