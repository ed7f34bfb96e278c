import { TagpilotError } from '../../problems/index.ts';
import type { Credential } from '../credentials.ts';
import { cloudForHost } from './hosts.ts';
import type { CloudAuth, CloudContext, CloudKind, CloudProvider, CloudToken } from './types.ts';

/** A cloud token flow that failed; the message names the cloud and host, never a secret. */
export class CloudAuthError extends TagpilotError {
  override name = 'CloudAuthError';

  constructor(kind: CloudKind, host: string, reason: string) {
    super('cloud-auth-failed', `${kind} credentials for ${host}: ${reason}`, { data: { cloud: kind, host } });
  }
}

export interface CloudCredentialsOptions {
  /** The registry's origin and our HTTP for it, per host. */
  context(host: string): CloudContext;
  /** The clock (epoch ms) that expiry is judged by. */
  now?: () => number;
  /** Loads one cloud's flow. Default: the cloud's own module, imported on first use. */
  load?: (kind: CloudKind) => Promise<CloudProvider>;
  /** A host chosen by its name whose cloud flow failed is asked anonymously for this long before trying again. */
  retryFailedAfterMs?: number;
}

/** Each SDK is imported only when a registry of its cloud is first asked: start-up stays lean. */
const LOADERS: Record<CloudKind, () => Promise<CloudProvider>> = {
  ecr: async () => (await import('./ecr.ts')).createEcrProvider(),
  'ecr-public': async () => (await import('./ecr-public.ts')).createEcrPublicProvider(),
  gcp: async () => (await import('./gcp.ts')).createGcpProvider(),
  acr: async () => (await import('./acr.ts')).createAcrProvider(),
};

/** Renew this long before expiry: a quarter of the lifetime, at most 30 minutes (ECR's 12 h token: at 11 h 30). */
const MAX_RENEW_MARGIN_MS = 30 * 60_000;

interface Entry {
  token: Promise<CloudToken>;
  /** Set once the token is in: when to ask again. */
  renewAt?: number;
}

/**
 * Registry credentials from the clouds' own token flows, cached per host and renewed before they
 * expire. A host the config names (`auth: { cloud: … }`) fails loudly; a host chosen only by its
 * name (`*.dkr.ecr.*.amazonaws.com`, `*-docker.pkg.dev`, `gcr.io`, `*.azurecr.io`) falls back to
 * anonymous with a note, so public images there still work off-cloud.
 */
export class CloudCredentials {
  private readonly options: CloudCredentialsOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly failures = new Map<string, { at: number; reason: string }>();
  private readonly providers = new Map<CloudKind, Promise<CloudProvider>>();

  constructor(options: CloudCredentialsOptions) {
    this.options = options;
  }

  /** The cloud that serves `host`, as configured or by its name; undefined for other hosts. */
  static cloudOf(host: string, configured: CloudAuth | undefined): CloudAuth | undefined {
    return configured ?? cloudForHost(host);
  }

  async get(host: string, configured: CloudAuth | undefined): Promise<Credential | undefined> {
    const auth = CloudCredentials.cloudOf(host, configured);
    if (auth === undefined) return undefined;
    const failed = this.failures.get(host);
    if (configured === undefined && failed !== undefined && this.now() - failed.at < (this.options.retryFailedAfterMs ?? 5 * 60_000)) return undefined;
    try {
      const token = await this.token(host, auth);
      this.failures.delete(host);
      return token.credential;
    } catch (error) {
      const failure = error instanceof CloudAuthError ? error : new CloudAuthError(auth.cloud, host, safeReason(error));
      if (configured !== undefined) throw failure;
      this.failures.set(host, { at: this.now(), reason: failure.message });
      return undefined;
    }
  }

  /** Why a host chosen by name is being asked anonymously, for the cycle's warnings. */
  note(host: string): string | undefined {
    const failed = this.failures.get(host);
    return failed === undefined ? undefined : `${failed.reason}; asked anonymously`;
  }

  /** The registry refused the credential: the next request asks the cloud again. */
  forget(host: string): void {
    this.entries.delete(host);
  }

  /** Closes the SDK clients that were loaded. */
  async close(): Promise<void> {
    const loaded = await Promise.allSettled(this.providers.values());
    for (const result of loaded) if (result.status === 'fulfilled') result.value.close?.();
  }

  private token(host: string, auth: CloudAuth): Promise<CloudToken> {
    const cached = this.entries.get(host);
    if (cached !== undefined && (cached.renewAt === undefined || this.now() < cached.renewAt)) return cached.token;
    const entry: Entry = { token: this.fetch(host, auth) };
    this.entries.set(host, entry);
    const obtainedAt = this.now();
    entry.token.then(
      (token) => {
        const lifetime = Math.max(0, token.expiresAt - obtainedAt);
        entry.renewAt = token.expiresAt - Math.min(MAX_RENEW_MARGIN_MS, lifetime / 4);
      },
      () => this.entries.get(host) === entry && this.entries.delete(host), // a failure is not cached
    );
    return entry.token;
  }

  private async fetch(host: string, auth: CloudAuth): Promise<CloudToken> {
    const provider = await this.provider(auth.cloud);
    return provider.token(host, auth, this.options.context(host));
  }

  private provider(kind: CloudKind): Promise<CloudProvider> {
    let provider = this.providers.get(kind);
    if (provider === undefined) {
      provider = (this.options.load ?? ((k) => LOADERS[k]()))(kind);
      this.providers.set(kind, provider);
      provider.catch(() => this.providers.delete(kind));
    }
    return provider;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/**
 * An SDK's failure in words safe to print: its name and code, and its message with anything long
 * enough to be a token, key or signature cut out (SDK messages can quote what a server answered).
 */
export function safeReason(error: unknown): string {
  const { name, code, message } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? redact(message).slice(0, 240) : '';
  const label = [typeof name === 'string' && name !== 'Error' ? name : undefined, typeof code === 'string' ? code : undefined].filter(Boolean).join(' ');
  return [label, text].filter((part) => part !== '').join(': ') || 'failed';
}

/** Long runs of token characters (JWTs, base64 keys, signatures) become `[redacted]`. */
export function redact(text: string): string {
  return text.replace(/[A-Za-z0-9+/_=.~-]{32,}/g, '[redacted]');
}
