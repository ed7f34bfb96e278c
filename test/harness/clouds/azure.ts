import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { closeServer, listenLocal } from '../ports.ts';
import type { TestCert, TokenServer } from '../token-server.ts';
import { readBody, reply } from './aws.ts';
import { jwtKey, signJwt, verifyJwt, type JwtKey } from './jwt.ts';

export const ENTRA_HOST = 'login.microsoftonline.com';
const ACR_AUDIENCE = 'https://containerregistry.azure.net';

export interface EntraDoubleOptions {
  /** Serves `login.microsoftonline.com` (HTTPS). */
  cert: TestCert;
  tenantId: string;
  /** The app registration with a federated credential for the pod's ServiceAccount. */
  clientId: string;
  /** The AKS cluster's OIDC issuer and key, and the ServiceAccount subject it federates. */
  oidc: { issuer: string; publicKey: KeyObject; subject: string };
  tokenTtlS?: number;
}

/**
 * A strict double of Entra ID's v2 endpoints for workload identity: tenant discovery
 * (`/{tenant}/v2.0/.well-known/openid-configuration`) and the token endpoint's client-credentials
 * grant with a federated client assertion (signature, issuer, subject, audience and client id checked).
 */
export class EntraDouble {
  readonly calls: { api: string; by: string }[] = [];
  readonly refusals: string[] = [];
  /** Signs Entra access tokens; the ACR double trusts its public key. */
  readonly signer: JwtKey = jwtKey('entra');
  private readonly server: Server;
  private readonly options: EntraDoubleOptions;

  private constructor(server: Server, options: EntraDoubleOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: EntraDoubleOptions): Promise<EntraDouble> {
    const double = new EntraDouble(createHttpsServer({ cert: options.cert.certPem, key: options.cert.keyPem }), options);
    double.server.on('request', (req, res) => void double.handle(req, res).catch((error: Error) => reply(res, 500, 'text/plain', error.message)));
    await listenLocal(double.server);
    return double;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', `https://${ENTRA_HOST}`);
    const tenant = this.options.tenantId;
    const base = `https://${ENTRA_HOST}/${tenant}`;
    if (req.method === 'GET' && url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      this.calls.push({ api: 'entra:openid-configuration', by: tenant });
      return reply(
        res,
        200,
        'application/json',
        JSON.stringify({ token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, end_session_endpoint: `${base}/oauth2/v2.0/logout`, issuer: `${base}/v2.0`, jwks_uri: `${base}/discovery/v2.0/keys`, device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode` }),
      );
    }
    if (req.method === 'GET' && url.pathname === '/common/discovery/instance') {
      this.calls.push({ api: 'entra:instance-discovery', by: 'common' });
      return reply(res, 200, 'application/json', JSON.stringify({ tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`, 'api-version': '1.1', metadata: [{ preferred_network: ENTRA_HOST, preferred_cache: 'login.windows.net', aliases: [ENTRA_HOST, 'login.windows.net', 'login.microsoft.com'] }] }));
    }
    if (req.method !== 'POST' || url.pathname !== `/${tenant}/oauth2/v2.0/token`) return this.error(res, 404, 'invalid_request', `AADSTS90002: not found: ${req.method} ${url.pathname}`);
    return this.token(res, new URLSearchParams(body.toString('utf8')));
  }

  private token(res: ServerResponse, form: URLSearchParams): void {
    if (form.get('grant_type') !== 'client_credentials') return this.error(res, 400, 'unsupported_grant_type', String(form.get('grant_type')));
    if (form.get('client_id') !== this.options.clientId) return this.error(res, 400, 'unauthorized_client', `AADSTS700016: application ${form.get('client_id')} not found`);
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return this.error(res, 400, 'invalid_request', 'client_assertion_type');
    const claims = verifyJwt(form.get('client_assertion') ?? '', this.options.oidc.publicKey, Date.now());
    if (typeof claims === 'string') return this.error(res, 400, 'invalid_client', `AADSTS700024: client assertion ${claims}`);
    const { issuer, subject } = this.options.oidc;
    if (claims.iss !== issuer || claims.sub !== subject || claims.aud !== 'api://AzureADTokenExchange') {
      return this.error(res, 400, 'invalid_client', `AADSTS70021: no federated credential matches iss ${String(claims.iss)} sub ${String(claims.sub)} aud ${String(claims.aud)}`);
    }
    const scope = form.get('scope') ?? '';
    if (scope !== `${ACR_AUDIENCE}/.default`) return this.error(res, 400, 'invalid_scope', `AADSTS70011: scope ${scope}`);
    const ttl = this.options.tokenTtlS ?? 3599;
    const now = Math.floor(Date.now() / 1000);
    const access = signJwt(this.signer, { aud: ACR_AUDIENCE, iss: `https://sts.windows.net/${this.options.tenantId}/`, tid: this.options.tenantId, appid: this.options.clientId, oid: randomUUID(), iat: now, nbf: now, exp: now + ttl });
    this.calls.push({ api: 'entra:token', by: String(claims.sub) });
    reply(res, 200, 'application/json', JSON.stringify({ token_type: 'Bearer', expires_in: ttl, ext_expires_in: ttl, access_token: access }));
  }

  private error(res: ServerResponse, status: number, error: string, description: string): void {
    this.refusals.push(`${error}: ${description}`);
    reply(res, status, 'application/json', JSON.stringify({ error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)], trace_id: randomUUID(), correlation_id: randomUUID() }));
  }
}

export interface AcrFrontOptions {
  /** Entra's token signer, whose access tokens `/oauth2/exchange` accepts. */
  entraKey: KeyObject;
  tenantId: string;
  refreshTtlS?: number;
}

/**
 * The ACR side: a front on the registry's origin that answers `/oauth2/exchange` (an Entra access
 * token for an ACR refresh token) and `/oauth2/token` (a refresh token for a Distribution access
 * token per scope, signed by the harness token signer) and passes everything else to the real
 * Distribution behind it.
 */
export class AcrFront {
  readonly calls: { api: string; by: string }[] = [];
  readonly refusals: string[] = [];
  readonly refreshKey: JwtKey = jwtKey('acr');
  private readonly server: Server;
  private readonly options: AcrFrontOptions;
  private upstream: string | undefined;
  private signer: TokenServer | undefined;

  private constructor(server: Server, options: AcrFrontOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: AcrFrontOptions): Promise<AcrFront> {
    const front = new AcrFront(createHttpServer(), options);
    front.server.on('request', (req, res) => void front.handle(req, res).catch((error: Error) => reply(res, 500, 'text/plain', error.message)));
    await listenLocal(front.server);
    return front;
  }

  /** `127.0.0.1:PORT`: the registry host as clients write it (ACR's `service`). */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Distribution's `auth:` section: its token realm is this front's `/oauth2/token`. */
  registryConfig(certFile: string): string {
    return `auth:\n  token:\n    realm: http://${this.host}/oauth2/token\n    service: ${this.host}\n    issuer: acr-double\n    rootcertbundle: ${certFile}\n`;
  }

  connect(upstream: string, signer: TokenServer): void {
    this.upstream = upstream;
    this.signer = signer;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    if (!url.pathname.startsWith('/oauth2/')) return this.forward(req, res);
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    if (req.method === 'POST' && url.pathname === '/oauth2/exchange') return this.exchange(res, form);
    if (req.method === 'POST' && url.pathname === '/oauth2/token') return this.token(res, form);
    return this.refuse(res, 404, `${req.method} ${url.pathname}`);
  }

  private exchange(res: ServerResponse, form: URLSearchParams): void {
    if (form.get('grant_type') !== 'access_token') return this.refuse(res, 400, `grant_type ${form.get('grant_type')}`);
    if (form.get('service') !== this.host) return this.refuse(res, 400, `service ${form.get('service')}`);
    const claims = verifyJwt(form.get('access_token') ?? '', this.options.entraKey, Date.now());
    if (typeof claims === 'string') return this.refuse(res, 401, `access token ${claims}`);
    if (claims.aud !== ACR_AUDIENCE) return this.refuse(res, 401, `audience ${String(claims.aud)}`);
    const tenant = form.get('tenant');
    if ((tenant !== null && tenant !== claims.tid) || claims.tid !== this.options.tenantId) return this.refuse(res, 401, `tenant ${tenant}`);
    const now = Math.floor(Date.now() / 1000);
    const refresh = signJwt(this.refreshKey, { jti: randomUUID(), sub: String(claims.oid), tenant: claims.tid, aud: this.host, grant_type: 'refresh_token', iat: now, nbf: now, exp: now + (this.options.refreshTtlS ?? 3 * 3600) });
    this.calls.push({ api: 'acr:exchange', by: String(claims.appid) });
    reply(res, 200, 'application/json', JSON.stringify({ refresh_token: refresh }));
  }

  private token(res: ServerResponse, form: URLSearchParams): void {
    if (form.get('grant_type') !== 'refresh_token') return this.refuse(res, 400, `grant_type ${form.get('grant_type')}`);
    const claims = verifyJwt(form.get('refresh_token') ?? '', this.refreshKey.publicKey, Date.now());
    if (typeof claims === 'string') return this.refuse(res, 401, `refresh token ${claims}`);
    if (form.get('service') !== this.host || claims.aud !== this.host) return this.refuse(res, 401, `service ${form.get('service')}`);
    const scope = /^repository:([a-z0-9/._-]+):([a-z,]+)$/.exec(form.get('scope') ?? '');
    if (scope === null || this.signer === undefined) return this.refuse(res, 400, `scope ${form.get('scope')}`);
    this.calls.push({ api: 'acr:token', by: String(claims.sub) });
    reply(
      res,
      200,
      'application/json',
      JSON.stringify({
        access_token: this.signer.mint(
          String(claims.sub),
          scope[1]!,
          scope[2]!.split(',').filter((a) => a === 'pull'),
        ),
      }),
    );
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    if (this.upstream === undefined) return this.refuse(res, 503, 'no registry behind the front yet');
    const target = new URL(req.url ?? '/', this.upstream);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  private refuse(res: ServerResponse, status: number, why: string): void {
    this.refusals.push(why);
    reply(res, status, 'application/json', JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: why }] }), status === 401 ? { 'www-authenticate': `Bearer realm="http://${this.host}/oauth2/token",service="${this.host}"` } : {});
  }
}
