import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { canonicalHost, DOCKER_HUB } from '../image/index.ts';
import type { CloudAuth } from './cloud/types.ts';
import { TagpilotError } from '../problems/index.ts';

/** Credentials for one registry host. `id` is a one-way fingerprint for cache keys; never the secret. */
export type Credential =
  | { kind: 'basic'; username: string; password: string; id: string }
  /** An OAuth2 refresh token (`identitytoken`), exchanged at the token realm; never sent to the registry itself. */
  | { kind: 'identity'; username?: string; identityToken: string; id: string };

/** Where one registry host's credentials come from, as the config says. */
export type CredentialSource = { username: string; password: string } | { helper: string } | CloudAuth;

/** Cloud token flows (src/registry/cloud): consulted for hosts configured so, or named like a cloud registry. */
export interface CloudLookup {
  get(host: string, configured: CloudAuth | undefined): Promise<Credential | undefined>;
  forget(host: string): void;
}

/** The parts of a Docker `config.json` (dockerconfigjson Secret) we read. */
export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export class CredentialError extends TagpilotError {
  override name = 'CredentialError';

  constructor(message: string) {
    super('credentials-unavailable', message);
  }
}

export interface CredentialOptions {
  /** Per canonical host (`ghcr.io`, `docker.io`, `127.0.0.1:5000`). */
  sources?: ReadonlyMap<string, CredentialSource>;
  dockerConfig?: DockerConfig;
  /** Helper answers are reused this long, then asked again: short-lived tokens (ECR: 12 h) renew well before they expire. */
  helperTtlMs?: number;
  helperTimeoutMs?: number;
  /** Environment for helpers (PATH finds `docker-credential-<name>`). */
  env?: NodeJS.ProcessEnv;
  cloud?: CloudLookup;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_HELPER_OUTPUT = 64 * 1024;

/** Finds the credential for a registry host; helpers are run at most once per TTL per host. */
export class Credentials {
  private readonly options: CredentialOptions;
  private readonly helperAnswers = new Map<string, { at: number; credential: Promise<Credential | undefined> }>();
  private readonly auths: Map<string, Credential>;
  private readonly helpers: Map<string, string>;

  constructor(options: CredentialOptions = {}) {
    this.options = options;
    // The file is user input: anything not shaped as Docker writes it is ignored, not trusted.
    this.auths = readAuths(objectOrEmpty(options.dockerConfig?.auths));
    this.helpers = new Map(Object.entries(objectOrEmpty(options.dockerConfig?.credHelpers)).flatMap(([key, name]) => (typeof name === 'string' ? [[authsKeyHost(key), name]] : [])));
  }

  async get(host: string): Promise<Credential | undefined> {
    const source = this.options.sources?.get(host);
    if (source !== undefined && 'username' in source) return basic(host, source.username, source.password);
    if (source !== undefined && 'cloud' in source) return this.options.cloud?.get(host, source);
    const helper = (source !== undefined && 'helper' in source ? source.helper : undefined) ?? this.helpers.get(host);
    if (helper !== undefined) return this.fromHelper(host, helper);
    const stored = this.auths.get(host);
    if (stored !== undefined) return stored;
    // A cloud registry by its host name (ECR, GAR/GCR, ACR): the pod's workload identity.
    const cloud = await this.options.cloud?.get(host, undefined);
    if (cloud !== undefined) return cloud;
    const store = this.options.dockerConfig?.credsStore;
    return typeof store === 'string' && store !== '' ? this.fromHelper(host, store) : undefined;
  }

  /** After the registry refused a credential: ask the helper again next time. */
  forget(host: string): void {
    this.helperAnswers.delete(host);
    this.options.cloud?.forget(host);
  }

  private fromHelper(host: string, name: string): Promise<Credential | undefined> {
    const cached = this.helperAnswers.get(host);
    const ttl = this.options.helperTtlMs ?? 5 * 60_000;
    if (cached !== undefined && Date.now() - cached.at < ttl) return cached.credential;
    const credential = runHelper(name, host, this.options);
    this.helperAnswers.set(host, { at: Date.now(), credential });
    credential.catch(() => this.helperAnswers.delete(host)); // a failure is not cached
    return credential;
  }
}

/** Docker's credential helper protocol: `docker-credential-<name> get`, server URL on stdin, JSON on stdout. */
async function runHelper(name: string, host: string, options: CredentialOptions): Promise<Credential | undefined> {
  if (!HELPER_NAME.test(name)) throw new CredentialError(`credential helper name "${name.slice(0, 64)}" is not a plain name`);
  const program = `docker-credential-${name}`;
  const serverUrl = host === DOCKER_HUB ? 'https://index.docker.io/v1/' : host;
  const { code, stdout } = await run(program, serverUrl, options.env ?? process.env, options.helperTimeoutMs ?? 10_000);
  // Helpers say "credentials not found" with a non-zero exit: that host is then anonymous.
  // Their output is never quoted in errors: it may hold the secret.
  if (code !== 0) {
    if (/not found/i.test(stdout)) return undefined;
    throw new CredentialError(`${program} get failed for ${host} (exit ${code})`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    throw new CredentialError(`${program} get for ${host} did not print JSON`);
  }
  const { Username: username, Secret: secret } = (answer ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof username !== 'string' || typeof secret !== 'string' || secret === '') throw new CredentialError(`${program} get for ${host} printed no Username and Secret`);
  // Docker's convention: the username `<token>` marks an identity (refresh) token.
  if (username === '<token>') return identity(host, secret);
  return basic(host, username, secret);
}

function run(program: string, input: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'ignore'], timeout: timeoutMs });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HELPER_OUTPUT) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.once('error', (error: NodeJS.ErrnoException) => reject(new CredentialError(`cannot run ${program}: ${error.code ?? 'error'}`)));
    child.once('close', (code, signal) => {
      if (signal !== null) reject(new CredentialError(`${program} get was stopped (${signal}): too slow or too much output`));
      else resolve({ code: code ?? 1, stdout: Buffer.concat(chunks).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // a helper that exits without reading stdin is judged by its exit code
    child.stdin.end(input);
  });
}

function readAuths(auths: NonNullable<DockerConfig['auths']>): Map<string, Credential> {
  const found = new Map<string, Credential>();
  for (const [key, entry] of Object.entries(auths)) {
    const host = authsKeyHost(key);
    if (entry === null || typeof entry !== 'object') continue;
    const credential = fromAuthsEntry(host, entry);
    if (credential !== undefined) found.set(host, credential);
  }
  return found;
}

function fromAuthsEntry(host: string, entry: NonNullable<DockerConfig['auths']>[string]): Credential | undefined {
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') return identity(host, entry.identitytoken, entry.username);
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username !== '') return basic(host, entry.username, entry.password);
  if (typeof entry.auth !== 'string' || entry.auth === '') return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new CredentialError(`docker config: the "auth" entry for ${host} is not base64 of user:password`);
  return basic(host, decoded.slice(0, colon), decoded.slice(colon + 1));
}

/** `https://index.docker.io/v1/` → `docker.io`, `https://ghcr.io` → `ghcr.io`: keys as `docker login` writes them. */
export function authsKeyHost(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  return canonicalHost({ host, path: 'x' });
}

/** A username and password for `host`, with its fingerprint. */
export function basic(host: string, username: string, password: string): Credential {
  return { kind: 'basic', username, password, id: fingerprint(host, username, password) };
}

/** An OAuth2 refresh token for `host`'s token realm, with its fingerprint. */
export function identity(host: string, identityToken: string, username?: string): Credential {
  return { kind: 'identity', identityToken, username, id: fingerprint(host, username ?? '', identityToken) };
}

function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

function objectOrEmpty<T>(value: Record<string, T> | undefined): Record<string, T> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
