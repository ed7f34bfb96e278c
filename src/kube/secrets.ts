import type { KubeSecretRef, SecretSource } from '../config/index.ts';
import type { KubeClient, SecretData } from './client.ts';
import { KubeError, kubeError } from './errors.ts';

/** Secrets kept at once (the config's, and pull secrets per namespace); the oldest read is dropped past it. */
const MAX_SECRETS = 1000;

interface Entry {
  secret: SecretData;
  readAt: number;
}

/**
 * Secrets read through the API by name only (`get`), kept by resourceVersion. `read` gets the
 * Secret unless a refresh or read got it within `freshMs`; `refresh`, before each cycle,
 * re-reads every Secret read so far and says whether any changed, so a rotated token or deploy
 * key is used from the next cycle on without a restart. Values are never part of a message.
 */
export class SecretStore implements SecretSource {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<SecretData>>();
  private readonly client: KubeClient;
  private readonly now: () => number;
  private readonly freshMs: number;

  constructor(client: KubeClient, options: { now?: () => number; freshMs?: number } = {}) {
    this.client = client;
    this.now = options.now ?? Date.now;
    this.freshMs = options.freshMs ?? 1000;
  }

  async read(ref: KubeSecretRef, what: string): Promise<string> {
    const namespace = ref.namespace ?? this.client.namespace;
    const secret = await this.get(namespace, ref.name, what);
    const value = secret.data[ref.key];
    if (value === undefined) throw new KubeError('secret-key-missing', `${what}: Secret ${namespace}/${ref.name} has no key "${ref.key}" (it has: ${Object.keys(secret.data).sort().join(', ') || 'none'})`, undefined);
    return value.toString('utf8');
  }

  /** The Secret itself (cached like `read`), for pull secrets. */
  async get(namespace: string, name: string, what: string): Promise<SecretData> {
    const key = `${namespace}/${name}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && this.now() - cached.readAt < this.freshMs) return cached.secret;
    // An API that is briefly away does not stop a cycle that has the value: only a Secret gone or no longer granted does.
    return this.fetch(key, namespace, name, what).catch((error: unknown) => {
      if (cached === undefined || (error as KubeError).code === 'kube-not-found' || (error as KubeError).code === 'kube-forbidden') throw error;
      return cached.secret;
    });
  }

  /**
   * Re-reads every Secret read so far (one get each, at once): true when any changed or is
   * gone. A Secret that cannot be read keeps its last value; the error is thrown after all are tried.
   */
  async refresh(): Promise<boolean> {
    const before = new Map([...this.cache].map(([k, e]) => [k, e.secret.resourceVersion]));
    const results = await Promise.allSettled(
      [...before.keys()].map((key) => {
        const [namespace, name] = key.split('/') as [string, string];
        return this.fetch(key, namespace, name, 'refresh');
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const changed = [...before].some(([key, rv]) => this.cache.get(key)?.secret.resourceVersion !== rv);
    if (failed !== undefined && !changed) throw failed.reason;
    return changed;
  }

  private fetch(key: string, namespace: string, name: string, what: string): Promise<SecretData> {
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const request = this.client
      .getSecret(namespace, name)
      .then((secret) => {
        this.cache.delete(key);
        this.cache.set(key, { secret, readAt: this.now() });
        if (this.cache.size > MAX_SECRETS) this.cache.delete(this.cache.keys().next().value!);
        return secret;
      })
      .catch((error: unknown) => {
        const e = kubeError(error, `get secret ${namespace}/${name}`);
        if (e.code === 'kube-not-found') this.cache.delete(key);
        throw new KubeError(e.code, `${what}: ${e.message}`, e.status);
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }
}
