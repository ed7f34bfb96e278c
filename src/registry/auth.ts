import { parseChallenge, type Challenge } from './challenge.ts';
import type { Credential, Credentials } from './credentials.ts';
import { TransportError } from './errors.ts';
import { header, type Exchange, type Http, type Reply } from './http.ts';

/** Who is asking: the registry's origin, the host its credentials are filed under, and the scope wanted. */
export interface AuthTarget {
  /** `https://ghcr.io`: credentials and tokens go only here (and to an HTTPS token realm). */
  origin: string;
  /** Canonical registry host, the key for credentials. */
  host: string;
  /** `repository:org/app:pull` */
  scope: string;
  /** The request's own credential (a workload's pull secret), instead of the host's. */
  credential?: Credential;
}

interface Token {
  value: string;
  expiresAt: number;
}

const TOKEN_CHARS = /^[\x21-\x7e]{1,16384}$/;
/** The token spec's default and minimum lifetime. */
const DEFAULT_LIFETIME_S = 60;

/**
 * Answers registry challenges: Basic with the host's credentials, Bearer with a token from the
 * realm, cached per (realm, service, scope, credential) until shortly before it expires.
 * Once a registry has challenged, later requests carry the answer up front, saving a round trip.
 */
export class Authenticator {
  private readonly http: Http;
  private readonly credentials: Credentials;
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, { token: Promise<Token>; expiresAt?: number }>();

  constructor(http: Http, credentials: Credentials) {
    this.http = http;
    this.credentials = credentials;
  }

  /** Sends `exchange` to the registry, answering one challenge if it is refused. */
  async send(target: AuthTarget, exchange: Exchange): Promise<Reply> {
    const first = await this.authorization(target, exchange.signal);
    const reply = await this.http.send(withAuthorization(exchange, first));
    if (reply.status !== 401) return reply;
    const challenge = parseChallenge(header(reply, 'www-authenticate'));
    if (challenge === undefined) return reply;
    this.challenges.set(target.origin, challenge);
    if (first !== undefined) this.forget(target, challenge);
    const second = await this.answer(target, challenge, exchange.signal);
    if (second === undefined || second === first) return reply;
    return this.http.send(withAuthorization(exchange, second));
  }

  private async authorization(target: AuthTarget, signal: AbortSignal | undefined): Promise<string | undefined> {
    const challenge = this.challenges.get(target.origin);
    return challenge === undefined ? undefined : this.answer(target, challenge, signal);
  }

  /** `signal` is the asking request's: a token fetch it starts is cancelled with it. */
  private async answer(target: AuthTarget, challenge: Challenge, signal: AbortSignal | undefined): Promise<string | undefined> {
    const credential = target.credential ?? (await this.credentials.get(target.host));
    if (challenge.scheme === 'basic') {
      if (credential?.kind !== 'basic') return undefined;
      return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
    }
    const token = await this.token(target, challenge, credential, signal);
    return `Bearer ${token.value}`;
  }

  /** A refused answer: drop the token and re-ask a credential helper, so a renewed secret is used. */
  private forget(target: AuthTarget, challenge: Challenge): void {
    this.credentials.forget(target.host);
    for (const key of this.tokens.keys()) if (key.startsWith(`${challenge.realm}\0${challenge.service}\0${target.scope}\0`)) this.tokens.delete(key);
  }

  private token(target: AuthTarget, challenge: Challenge, credential: Credential | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const key = `${challenge.realm}\0${challenge.service}\0${target.scope}\0${credential?.id ?? ''}`;
    const cached = this.tokens.get(key);
    // In flight (no expiry yet) or still fresh: share it, so concurrent requests ask the realm once.
    if (cached !== undefined && (cached.expiresAt === undefined || Date.now() < cached.expiresAt)) return cached.token;
    const entry: { token: Promise<Token>; expiresAt?: number } = { token: this.fetchToken(target, challenge, credential, signal) };
    this.tokens.set(key, entry);
    entry.token.then(
      (token) => (entry.expiresAt = token.expiresAt),
      () => this.tokens.get(key) === entry && this.tokens.delete(key), // failures are not cached
    );
    return entry.token;
  }

  private async fetchToken(target: AuthTarget, challenge: Challenge, credential: Credential | undefined, signal: AbortSignal | undefined): Promise<Token> {
    const realm = parseRealm(challenge.realm, target.origin);
    // Invariant 6: credentials go to the registry itself or to a realm on HTTPS, nowhere else.
    const trusted = realm.protocol === 'https:' || realm.origin === target.origin;
    const sent = trusted ? credential : undefined;
    const exchange = { ...tokenRequest(realm, challenge, target.scope, sent), signal };
    const reply = await this.http.send(exchange);
    if (reply.status !== 200) {
      const withheld = credential !== undefined && !trusted ? '; credentials were withheld because the realm is not HTTPS' : '';
      throw new TransportError(`token realm ${realm.host} answered ${reply.status}${withheld}`, false, reply.status);
    }
    return readToken(reply, realm.host);
  }
}

function parseRealm(realm: string | undefined, origin: string): URL {
  if (realm === undefined || realm === '') throw new TransportError(`${new URL(origin).host} sent a Bearer challenge without a realm`, false);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new TransportError(`${new URL(origin).host} sent a token realm that is not a URL`, false);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TransportError(`token realm ${url.host} is not http(s)`, false);
  return url;
}

function tokenRequest(realm: URL, challenge: Challenge, scope: string, credential: Credential | undefined): Exchange {
  const base = { maxBytes: 1024 * 1024, kind: 'token' } as const;
  if (credential?.kind === 'identity') {
    // OAuth2 refresh-token grant, as `docker login` identity tokens are used.
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: 'tagpilot', scope });
    if (challenge.service !== undefined) form.set('service', challenge.service);
    return { ...base, method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() };
  }
  const url = new URL(realm);
  if (challenge.service !== undefined) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', scope);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (credential?.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
  return { ...base, method: 'GET', url, headers };
}

function readToken(reply: Reply, realmHost: string): Token {
  let body: unknown;
  try {
    body = JSON.parse(reply.body.toString('utf8'));
  } catch {
    throw new TransportError(`token realm ${realmHost} sent a token that is not JSON`, false);
  }
  const { token, access_token: accessToken, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>;
  const value = typeof token === 'string' && token !== '' ? token : accessToken;
  if (typeof value !== 'string' || !TOKEN_CHARS.test(value)) throw new TransportError(`token realm ${realmHost} sent no usable token`, false);
  const lifetimeS = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= DEFAULT_LIFETIME_S ? expiresIn : DEFAULT_LIFETIME_S;
  // Renew a fifth of the lifetime early (at most 30 s), so a token never expires in flight.
  const marginMs = Math.min(30_000, (lifetimeS * 1000) / 5);
  return { value, expiresAt: Date.now() + lifetimeS * 1000 - marginMs };
}

function withAuthorization(exchange: Exchange, authorization: string | undefined): Exchange {
  if (authorization === undefined) return exchange;
  return { ...exchange, headers: { ...exchange.headers, authorization } };
}
