import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenLocal } from './ports.ts';

/** A self-signed EC certificate for 127.0.0.1: TLS for test servers, and the token signing key Distribution trusts. */
export interface TestCert {
  certPem: string;
  keyPem: string;
  /** Where `certPem` is on disk, for Distribution's `rootcertbundle`. */
  certFile: string;
  cleanup(): void;
}

/** Generated with the openssl CLI (node:crypto makes keys, not certificates). `names` are subjectAltName entries. */
export function makeCert(names: readonly string[] = ['IP:127.0.0.1', 'DNS:localhost']): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${names[0]!.replace(/^\w+:/, '')}`, '-addext', `subjectAltName=${names.join(',')}`], { stdio: 'ignore' });
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8'), certFile, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TokenServerOptions {
  cert: TestCert;
  /** Serve over HTTPS with `cert` (the realm a client may send credentials to), or plain HTTP. */
  https: boolean;
  service: string;
  issuer: string;
  /** username → password, allowed to pull (and push). */
  users?: Record<string, string>;
  /** identity (refresh) token → username, for the OAuth2 refresh_token grant. */
  refreshTokens?: Record<string, string>;
  /** Passwords issued elsewhere (a cloud's token endpoint double): true accepts the Basic credential. */
  verify?: (username: string, password: string) => boolean;
  /** Anonymous clients may pull. */
  anonymousPull?: boolean;
  expiresIn?: number;
  /** Answers a request for `path` with a redirect instead of a token (a hostile or moved realm). */
  redirect?: (path: string) => { status: number; location: string } | undefined;
}

export interface TokenRequest {
  method: string;
  path: string;
  /** `basic:<user>`, `refresh:<user>`, or `anonymous`. */
  who: string;
  scope?: string;
  service?: string;
}

/** Distribution's token auth: a realm that signs short JWTs with a key the registry's rootcertbundle trusts. */
export class TokenServer {
  readonly requests: TokenRequest[] = [];
  private readonly server: Server;
  private readonly options: TokenServerOptions;

  private constructor(server: Server, options: TokenServerOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: TokenServerOptions): Promise<TokenServer> {
    const server = options.https ? createHttpsServer({ cert: options.cert.certPem, key: options.cert.keyPem }) : createHttpServer();
    const tokens = new TokenServer(server, options);
    server.on('request', (req, res) => void tokens.handle(req, res).catch(() => res.destroy()));
    await listenLocal(server);
    return tokens;
  }

  get realm(): string {
    return `${this.options.https ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}/token`;
  }

  /** Distribution's `auth:` section for this server. */
  registryConfig(): string {
    return `auth:
  token:
    realm: ${this.realm}
    service: ${this.options.service}
    issuer: ${this.options.issuer}
    rootcertbundle: ${this.options.cert.certFile}
`;
  }

  /** A token straight from the signer, e.g. with push rights for seeding. */
  mint(subject: string, repository: string, actions: string[]): string {
    return this.sign(subject, [{ type: 'repository', name: repository, actions }]);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://token');
    let params = url.searchParams;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    }
    const who = this.identify(req, params);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, who: who ?? 'refused', scope: params.get('scope') ?? undefined, service: params.get('service') ?? undefined });
    const redirect = this.options.redirect?.(url.pathname);
    if (redirect !== undefined) {
      res.writeHead(redirect.status, { location: redirect.location });
      res.end();
      return;
    }
    if (who === undefined) return reply(res, 401, { errors: [{ code: 'UNAUTHORIZED' }] });
    const scope = params.get('scope');
    const allowed = who !== 'anonymous' || this.options.anonymousPull === true;
    const access = scope === null || !allowed ? [] : [parseScope(scope)];
    const token = this.sign(who, access);
    const body = req.method === 'POST' ? { access_token: token, expires_in: this.options.expiresIn ?? 300 } : { token, expires_in: this.options.expiresIn ?? 300, issued_at: new Date(performance.timeOrigin + performance.now()).toISOString() };
    reply(res, 200, body);
  }

  private identify(req: IncomingMessage, params: URLSearchParams): string | undefined {
    if (params.get('grant_type') === 'refresh_token') {
      const user = this.options.refreshTokens?.[params.get('refresh_token') ?? ''];
      return user === undefined ? undefined : `refresh:${user}`;
    }
    const header = req.headers.authorization;
    if (header === undefined) return 'anonymous';
    const [user = '', password] = Buffer.from(header.replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .split(':');
    const known = this.options.users?.[user] === password || (password !== undefined && this.options.verify?.(user, password) === true);
    return known ? `basic:${user}` : undefined;
  }

  private sign(subject: string, access: { type: string; name: string; actions: string[] }[]): string {
    // Real time even when a test mocks Date: the registry checks nbf/exp against its own clock.
    const now = Math.floor((performance.timeOrigin + performance.now()) / 1000);
    const x5c = [new X509Certificate(this.options.cert.certPem).raw.toString('base64')];
    const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }));
    const claims = b64url(JSON.stringify({ iss: this.options.issuer, sub: subject, aud: this.options.service, exp: now + (this.options.expiresIn ?? 300), nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = sign('sha256', Buffer.from(`${head}.${claims}`), { key: createPrivateKey(this.options.cert.keyPem), dsaEncoding: 'ieee-p1363' });
    return `${head}.${claims}.${signature.toString('base64url')}`;
  }
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } {
  const [type = '', ...rest] = scope.split(':');
  const actions = rest.pop() ?? '';
  return { type, name: rest.join(':'), actions: actions.split(',').filter((a) => a === 'pull') };
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
