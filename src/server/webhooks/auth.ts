/**
 * Who may post to a receiver: the sender proves it knows the receiver's secret, by an HMAC of the
 * body (GitHub, Gitea/Forgejo) or by presenting a token (everyone else). Comparisons take the same
 * time whatever the input, so an attacker learns nothing from how fast a guess is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Receiver, ReceiverKind, WebhookRequest } from './types.ts';

type Headers = WebhookRequest['headers'];

/** Where each kind's sender puts its HMAC: the first header present is the one checked. */
const SIGNATURE_HEADERS: Partial<Record<ReceiverKind, readonly string[]>> = {
  github: ['x-hub-signature-256'],
  'github-packages': ['x-hub-signature-256'],
  gitea: ['x-forgejo-signature', 'x-gitea-signature', 'x-hub-signature-256'],
  generic: ['x-hub-signature-256'],
};

/** Where each kind's sender puts its token. */
const TOKEN_PLACES: Record<ReceiverKind, 'authorization' | 'x-gitlab-token' | 'path' | undefined> = {
  distribution: 'authorization',
  'gitlab-registry': 'authorization',
  harbor: 'authorization',
  generic: 'authorization',
  dockerhub: 'path',
  quay: 'path',
  gitlab: 'x-gitlab-token',
  github: undefined,
  'github-packages': undefined,
  gitea: undefined,
};

/** Whether the request proves knowledge of the receiver's secret or token. */
export function authenticated(receiver: Receiver, request: WebhookRequest): boolean {
  if (receiver.token !== undefined) return tokenMatches(receiver, request);
  if (receiver.secret !== undefined) return signatureMatches(receiver, request);
  return false;
}

/** A token receiver can be judged before its body is read; an HMAC receiver cannot. */
export function judgedBeforeBody(receiver: Receiver): boolean {
  return receiver.token !== undefined;
}

function tokenMatches(receiver: Receiver, request: Pick<WebhookRequest, 'headers' | 'pathToken'>): boolean {
  const place = TOKEN_PLACES[receiver.kind];
  const presented = place === 'path' ? request.pathToken : place === undefined ? undefined : bearer(single(request.headers, place));
  return presented !== undefined && sameSecret(presented, receiver.token!);
}

function signatureMatches(receiver: Receiver, request: WebhookRequest): boolean {
  const header = (SIGNATURE_HEADERS[receiver.kind] ?? []).find((name) => request.headers[name] !== undefined);
  const given = header === undefined ? undefined : hexDigest(single(request.headers, header));
  if (given === undefined) return false;
  const expected = createHmac('sha256', receiver.secret!).update(request.body).digest();
  return timingSafeEqual(given, expected);
}

/** `Bearer x` → `x`; a bare value as it is (Harbor and Distribution send what the user typed). */
function bearer(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^bearer\s+(.+)$/i.exec(value);
  return match === null ? value : match[1];
}

/** `sha256=<64 hex>` or bare `<64 hex>` as 32 bytes; anything else is no signature. */
function hexDigest(value: string | undefined): Buffer | undefined {
  const match = value === undefined ? null : /^(?:sha256=)?([0-9a-fA-F]{64})$/.exec(value.trim());
  return match === null ? undefined : Buffer.from(match[1]!, 'hex');
}

/** A header sent once; sent twice it proves nothing (which one would count?). */
function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** Equal-length digests compared in constant time: neither the content nor the length of the secret leaks. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
