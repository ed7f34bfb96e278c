import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listenLocal } from '../ports.ts';
import { verifyJwt } from './jwt.ts';
import { verifySigV4 } from './sigv4.ts';

export interface AwsDoubleOptions {
  accountId: string;
  /** IRSA: the EKS cluster's OIDC issuer, whose key signs the projected ServiceAccount token. */
  oidc: { issuer: string; publicKey: KeyObject };
  /** The role the ServiceAccount may assume (`eks.amazonaws.com/role-arn`). */
  roleArn: string;
  /** `system:serviceaccount:<ns>:<name>` allowed to assume it. */
  subject: string;
  /** EKS Pod Identity: the token the agent expects (the file in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). */
  podIdentityToken?: string;
  /** IMDSv2: the instance profile's role name. */
  instanceRole?: string;
  /** Lifetime of issued AWS credentials and of ECR authorization tokens (ECR: 12 h). */
  credentialsTtlS?: number;
  ecrTokenTtlS?: number;
}

/** One API call the double answered: which API, and whose credentials signed it. */
export interface AwsCall {
  api: string;
  /** The access key that signed it (SigV4), or how the caller proved itself. */
  by?: string;
}

/**
 * A strict double of the AWS endpoints ECR auth uses: STS `AssumeRoleWithWebIdentity` (awsQuery),
 * the EKS Pod Identity agent (container credentials), IMDSv2, and ECR's and ECR Public's
 * `GetAuthorizationToken` (awsJson1.1, SigV4-signed with credentials it issued, session token
 * checked). Everything else, and any request that fails a check, is refused as AWS would.
 */
export class AwsDouble {
  readonly calls: AwsCall[] = [];
  readonly refusals: string[] = [];
  private readonly server: Server;
  private readonly options: AwsDoubleOptions;
  private readonly keys = new Map<string, { secret: string; session?: string; expiresAt: number }>();
  private readonly passwords = new Map<string, number>();
  private readonly imdsTokens = new Map<string, number>();

  private constructor(server: Server, options: AwsDoubleOptions) {
    this.server = server;
    this.options = options;
  }

  static async start(options: AwsDoubleOptions): Promise<AwsDouble> {
    const server = createServer();
    const double = new AwsDouble(server, options);
    server.on('request', (req, res) => void double.handle(req, res).catch((error: Error) => reply(res, 500, 'text/plain', error.message)));
    await listenLocal(server);
    return double;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Static keys, as `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` would hold them. */
  staticKeys(): { accessKeyId: string; secretAccessKey: string } {
    return this.issue(false);
  }

  /** The registry's check: is this an ECR password we issued and that has not expired? */
  acceptsPassword(username: string, password: string): boolean {
    const until = this.passwords.get(password);
    return username === 'AWS' && until !== undefined && Date.now() < until;
  }

  /** Every secret the double handed out (secret keys, session tokens, ECR passwords), for "never in logs" checks. */
  secrets(): string[] {
    return [...[...this.keys.values()].flatMap((k) => [k.secret, k.session ?? '']), ...this.passwords.keys(), ...this.imdsTokens.keys()].filter((s) => s !== '');
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/pod-identity/credentials') return this.podIdentity(req, res);
    if (url.pathname.startsWith('/latest/')) return this.imds(req, res, url);
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && typeof target === 'string') return this.json(req, res, url, body, target);
    if (req.method === 'POST' && new URLSearchParams(body.toString('utf8')).get('Action') === 'AssumeRoleWithWebIdentity') return this.assumeRole(res, new URLSearchParams(body.toString('utf8')));
    return this.refuse(res, 404, 'json', 'UnknownOperationException', `${req.method} ${url.pathname}`);
  }

  /** STS AssumeRoleWithWebIdentity: unsigned; the web identity token is the proof. */
  private assumeRole(res: ServerResponse, form: URLSearchParams): void {
    if (form.get('Version') !== '2011-06-15') return this.refuse(res, 400, 'xml', 'InvalidAction', 'wrong Version');
    if (form.get('RoleArn') !== this.options.roleArn) return this.refuse(res, 403, 'xml', 'AccessDenied', `role ${form.get('RoleArn')} cannot be assumed`);
    if (!/^[\w+=,.@-]{2,64}$/.test(form.get('RoleSessionName') ?? '')) return this.refuse(res, 400, 'xml', 'ValidationError', 'RoleSessionName');
    const claims = verifyJwt(form.get('WebIdentityToken') ?? '', this.options.oidc.publicKey, Date.now());
    if (typeof claims === 'string') return this.refuse(res, 400, 'xml', 'InvalidIdentityToken', claims);
    if (claims.iss !== this.options.oidc.issuer || claims.aud !== 'sts.amazonaws.com' || claims.sub !== this.options.subject) {
      return this.refuse(res, 403, 'xml', 'AccessDenied', `token for ${String(claims.sub)} (iss ${String(claims.iss)}, aud ${String(claims.aud)}) may not assume the role`);
    }
    const keys = this.issue(true);
    this.calls.push({ api: 'sts:AssumeRoleWithWebIdentity', by: String(claims.sub) });
    const xml = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>
<Credentials><AccessKeyId>${keys.accessKeyId}</AccessKeyId><SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey><SessionToken>${keys.sessionToken}</SessionToken><Expiration>${new Date(keys.expiresAt).toISOString()}</Expiration></Credentials>
<SubjectFromWebIdentityToken>${claims.sub}</SubjectFromWebIdentityToken><Audience>sts.amazonaws.com</Audience>
<AssumedRoleUser><Arn>${this.options.roleArn.replace(':iam:', ':sts:').replace(':role/', ':assumed-role/')}/${form.get('RoleSessionName')}</Arn><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${form.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser>
</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
    reply(res, 200, 'text/xml', xml);
  }

  /** The EKS Pod Identity agent: `GET` with the pod's token as `Authorization`. */
  private podIdentity(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' || this.options.podIdentityToken === undefined || req.headers.authorization !== this.options.podIdentityToken) {
      return this.refuse(res, 401, 'json', 'AccessDeniedException', 'pod identity token missing or wrong');
    }
    const keys = this.issue(true);
    this.calls.push({ api: 'pod-identity', by: 'token' });
    reply(res, 200, 'application/json', JSON.stringify({ AccessKeyId: keys.accessKeyId, SecretAccessKey: keys.secretAccessKey, Token: keys.sessionToken, AccountId: this.options.accountId, Expiration: new Date(keys.expiresAt).toISOString() }));
  }

  /** IMDSv2: a session token by PUT first, then credentials only with it. IMDSv1 (no token) is refused. */
  private imds(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (url.pathname === '/latest/api/token') {
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (req.method !== 'PUT' || !Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return this.refuse(res, 400, 'text', 'BadRequest', 'IMDSv2 token needs PUT and a TTL');
      const token = randomBytes(24).toString('base64url');
      this.imdsTokens.set(token, Date.now() + ttl * 1000);
      this.calls.push({ api: 'imds:token' });
      return reply(res, 200, 'text/plain', token);
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || (this.imdsTokens.get(token) ?? 0) < Date.now()) return this.refuse(res, 401, 'text', 'Unauthorized', 'IMDSv1 is disabled: no valid session token');
    const role = this.options.instanceRole;
    const base = '/latest/meta-data/iam/security-credentials/';
    if (role === undefined || !url.pathname.startsWith(base)) return this.refuse(res, 404, 'text', 'NotFound', url.pathname);
    if (url.pathname === base) return reply(res, 200, 'text/plain', role);
    if (url.pathname !== `${base}${role}`) return this.refuse(res, 404, 'text', 'NotFound', url.pathname);
    const keys = this.issue(true);
    this.calls.push({ api: 'imds:credentials', by: role });
    reply(res, 200, 'text/plain', JSON.stringify({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: keys.accessKeyId, SecretAccessKey: keys.secretAccessKey, Token: keys.sessionToken, Expiration: new Date(keys.expiresAt).toISOString(), LastUpdated: new Date().toISOString() }));
  }

  /** ECR and ECR Public: awsJson1.1, SigV4 with the service's signing name. */
  private json(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, target: string): void {
    const api = { 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken': 'ecr', 'SpencerFrontendService.GetAuthorizationToken': 'ecr-public' }[target];
    if (api === undefined) return this.refuse(res, 400, 'json', 'UnknownOperationException', target);
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return this.refuse(res, 400, 'json', 'SerializationException', 'content-type');
    const signed = verifySigV4('POST', url, req.headers, body, (id) => this.keys.get(id)?.secret, Date.now());
    if (typeof signed === 'string') return this.refuse(res, 403, 'json', 'InvalidSignatureException', signed);
    const key = this.keys.get(signed.accessKeyId)!;
    if (key.expiresAt < Date.now()) return this.refuse(res, 403, 'json', 'ExpiredTokenException', 'credentials expired');
    if (key.session !== undefined && req.headers['x-amz-security-token'] !== key.session) return this.refuse(res, 403, 'json', 'UnrecognizedClientException', 'session token missing or wrong');
    if (signed.service !== api || (api === 'ecr-public' && signed.region !== 'us-east-1')) return this.refuse(res, 403, 'json', 'InvalidSignatureException', `signed for ${signed.service} in ${signed.region}`);
    const input = JSON.parse(body.toString('utf8') || '{}') as { registryIds?: string[] };
    if (api === 'ecr' && input.registryIds !== undefined && !input.registryIds.every((id) => id === this.options.accountId)) return this.refuse(res, 403, 'json', 'AccessDeniedException', 'not this account');
    const password = randomBytes(32).toString('base64url');
    const expiresAt = Date.now() + (this.options.ecrTokenTtlS ?? 12 * 3600) * 1000;
    this.passwords.set(password, expiresAt);
    this.calls.push({ api: `${api}:GetAuthorizationToken`, by: signed.accessKeyId });
    const data = { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: expiresAt / 1000 };
    const answer = api === 'ecr' ? { authorizationData: [{ ...data, proxyEndpoint: `https://${this.options.accountId}.dkr.ecr.${signed.region}.amazonaws.com` }] } : { authorizationData: data };
    reply(res, 200, 'application/x-amz-json-1.1', JSON.stringify(answer));
  }

  private issue(session: boolean): { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAt: number } {
    const accessKeyId = `${session ? 'ASIA' : 'AKIA'}${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = randomBytes(48).toString('base64');
    const expiresAt = Date.now() + (this.options.credentialsTtlS ?? 3600) * 1000;
    this.keys.set(accessKeyId, { secret: secretAccessKey, session: session ? sessionToken : undefined, expiresAt });
    return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
  }

  private refuse(res: ServerResponse, status: number, format: 'json' | 'xml' | 'text', code: string, why: string): void {
    this.refusals.push(`${code}: ${why}`);
    if (format === 'xml') return reply(res, status, 'text/xml', `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${why}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
    if (format === 'json') return reply(res, status, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, message: why }), { 'x-amzn-errortype': code });
    reply(res, status, 'text/plain', why);
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function reply(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
}
