import { randomBytes, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { closeServer, listenLocal } from '../ports.ts';
import type { TestCert } from '../token-server.ts';
import { readBody, reply } from './aws.ts';
import { verifyJwt } from './jwt.ts';

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export interface GoogleDoubleOptions {
  /** Serves `oauth2.googleapis.com` (HTTPS). */
  cert: TestCert;
  /** Service accounts whose key may sign an assertion: client_email → public key. */
  serviceAccounts: Record<string, KeyObject>;
  /** The account the metadata server speaks for (GKE Workload Identity's bound account). */
  metadataAccount: string;
  tokenTtlS?: number;
}

/**
 * A strict double of Google's metadata server (`GET …/service-accounts/default/token`, only with
 * `Metadata-Flavor: Google`, answered with that header) and of the OAuth2 token endpoint for a
 * service-account JWT assertion (RS256 signature, issuer, audience, scope and lifetime checked).
 */
export class GoogleDouble {
  readonly calls: { api: string; by: string }[] = [];
  readonly refusals: string[] = [];
  private readonly metadata: Server;
  private readonly oauth: Server;
  private readonly options: GoogleDoubleOptions;
  private readonly tokens = new Map<string, number>();

  private constructor(metadata: Server, oauth: Server, options: GoogleDoubleOptions) {
    this.metadata = metadata;
    this.oauth = oauth;
    this.options = options;
  }

  static async start(options: GoogleDoubleOptions): Promise<GoogleDouble> {
    const double = new GoogleDouble(createHttpServer(), createHttpsServer({ cert: options.cert.certPem, key: options.cert.keyPem }), options);
    const fail = (res: ServerResponse) => (error: Error) => reply(res, 500, 'text/plain', error.message);
    double.metadata.on('request', (req, res) => void double.handleMetadata(req, res).catch(fail(res)));
    double.oauth.on('request', (req, res) => void double.handleToken(req, res).catch(fail(res)));
    await Promise.all([listenLocal(double.metadata), listenLocal(double.oauth)]);
    return double;
  }

  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  get metadataHost(): string {
    return `127.0.0.1:${(this.metadata.address() as AddressInfo).port}`;
  }

  get oauthPort(): number {
    return (this.oauth.address() as AddressInfo).port;
  }

  /** The registry's check: an access token we issued, not expired. */
  acceptsToken(username: string, token: string): boolean {
    return username === 'oauth2accesstoken' && (this.tokens.get(token) ?? 0) > Date.now();
  }

  async stop(): Promise<void> {
    await Promise.all([closeServer(this.metadata), closeServer(this.oauth)]);
  }

  private async handleMetadata(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const url = new URL(req.url ?? '/', 'http://metadata');
    const headers = { 'metadata-flavor': 'Google' };
    if (req.headers['metadata-flavor'] !== 'Google') return this.refuse(res, 403, 'Missing Metadata-Flavor:Google header', headers);
    if (req.headers['x-forwarded-for'] !== undefined) return this.refuse(res, 403, 'X-Forwarded-For is refused', headers);
    if (url.pathname === '/computeMetadata/v1/instance' || url.pathname === '/computeMetadata/v1/instance/') return reply(res, 200, 'text/plain', '', headers);
    if (url.pathname === '/computeMetadata/v1/universe/universe-domain') return reply(res, 200, 'text/plain', 'googleapis.com', headers);
    if (url.pathname === '/computeMetadata/v1/project/project-id') return reply(res, 200, 'text/plain', 'tagpilot-test', headers);
    if (req.method !== 'GET' || url.pathname !== '/computeMetadata/v1/instance/service-accounts/default/token') return this.refuse(res, 404, `not found: ${url.pathname}`, headers);
    const scopes = url.searchParams.get('scopes');
    if (scopes !== null && !scopes.split(',').includes(CLOUD_PLATFORM)) return this.refuse(res, 403, `scopes ${scopes} lack cloud-platform`, headers);
    this.calls.push({ api: 'metadata:token', by: this.options.metadataAccount });
    reply(res, 200, 'application/json', JSON.stringify(this.issue()), headers);
  }

  private async handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const url = new URL(req.url ?? '/', GOOGLE_TOKEN_URL);
    if (req.method !== 'POST' || url.pathname !== '/token') return this.refuse(res, 404, `not found: ${url.pathname}`);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return this.oauthError(res, 'unsupported_grant_type', String(form.get('grant_type')));
    const assertion = form.get('assertion') ?? '';
    const unverified = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as Record<string, unknown>;
    const key = this.options.serviceAccounts[String(unverified.iss)];
    if (key === undefined) return this.oauthError(res, 'invalid_grant', 'unknown service account');
    const claims = verifyJwt(assertion, key, Date.now());
    if (typeof claims === 'string') return this.oauthError(res, 'invalid_grant', `Invalid JWT: ${claims}`);
    const lifetime = Number(claims.exp) - Number(claims.iat);
    if (claims.aud !== GOOGLE_TOKEN_URL) return this.oauthError(res, 'invalid_grant', `aud ${String(claims.aud)}`);
    if (!(lifetime > 0 && lifetime <= 3600)) return this.oauthError(res, 'invalid_grant', 'JWT lifetime over an hour');
    if (
      !String(claims.scope ?? '')
        .split(' ')
        .includes(CLOUD_PLATFORM)
    )
      return this.oauthError(res, 'invalid_scope', String(claims.scope));
    this.calls.push({ api: 'oauth:jwt-bearer', by: String(claims.iss) });
    reply(res, 200, 'application/json', JSON.stringify(this.issue()));
  }

  private issue(): { access_token: string; expires_in: number; token_type: string } {
    const token = `ya29.${randomBytes(48).toString('base64url')}`;
    const ttl = this.options.tokenTtlS ?? 3599;
    this.tokens.set(token, Date.now() + ttl * 1000);
    return { access_token: token, expires_in: ttl, token_type: 'Bearer' };
  }

  private oauthError(res: ServerResponse, error: string, description: string): void {
    this.refusals.push(`${error}: ${description}`);
    reply(res, 400, 'application/json', JSON.stringify({ error, error_description: description }));
  }

  private refuse(res: ServerResponse, status: number, why: string, headers: Record<string, string> = {}): void {
    this.refusals.push(why);
    reply(res, status, 'text/plain', why, headers);
  }
}
