import type { KubeClient, SecretData } from './client.ts';
import type { Counters, Log } from './counters.ts';
import { MemoryCounters } from './counters.ts';
import type { WorkloadId } from './cycle-events.ts';
import { kubeError } from './errors.ts';
import type { SecretStore } from './secrets.ts';

/** A Docker config's `auths`, the only part of a pull secret tagpilot reads (a helper named in a cluster Secret is never run). */
export interface PullAuths {
  auths: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
}

export interface PullSecretOptions {
  client: KubeClient;
  secrets: SecretStore;
  log: Log;
  counters?: Counters;
  now?: () => number;
  /** How long a workload's list of pull secret names is reused (the Secrets themselves are re-read by the store). */
  ttlMs?: number;
  maxWorkloads?: number;
}

const MAX_AUTHS_BYTES = 256 * 1024;

/**
 * Registry credentials per workload, as the kubelet would pull its images: the workload's own
 * imagePullSecrets, then its ServiceAccount's (`default` when it names none), all in the
 * workload's namespace; the first Secret with an entry for a registry wins. Best effort: a
 * workload, ServiceAccount or Secret that cannot be read leaves the configured credentials in
 * charge, and is logged (names only) and counted.
 */
export class PullSecrets {
  private readonly o: Required<Omit<PullSecretOptions, 'counters'>> & { counters: Counters };
  private readonly names = new Map<string, { at: number; names: Promise<string[]> }>();

  constructor(options: PullSecretOptions) {
    this.o = { counters: new MemoryCounters(), now: Date.now, ttlMs: 60_000, maxWorkloads: 1000, ...options };
  }

  async forWorkload(w: WorkloadId): Promise<PullAuths | undefined> {
    const names = await this.secretNames(w);
    const auths: PullAuths['auths'] = {};
    for (const name of names) {
      const secret = await this.o.secrets.get(w.namespace, name, `pull secret of ${key(w)}`).catch((error: unknown) => this.failed('secret', error));
      if (secret === undefined) continue;
      for (const [host, entry] of Object.entries(readAuths(secret, `${w.namespace}/${name}`, this.o.log))) if (!(host in auths)) auths[host] = entry;
    }
    return Object.keys(auths).length === 0 ? undefined : { auths };
  }

  private secretNames(w: WorkloadId): Promise<string[]> {
    const k = key(w);
    const cached = this.names.get(k);
    if (cached !== undefined && this.o.now() - cached.at < this.o.ttlMs) return cached.names;
    const names = this.lookup(w);
    this.names.delete(k);
    this.names.set(k, { at: this.o.now(), names });
    while (this.names.size > this.o.maxWorkloads) this.names.delete(this.names.keys().next().value!);
    return names;
  }

  private async lookup(w: WorkloadId): Promise<string[]> {
    const workload = await this.o.client.getWorkload(w.kind, w.namespace, w.name).catch((error: unknown) => this.failed('workload', error));
    if (workload === undefined) return [];
    const account = await this.o.client.getServiceAccountPullSecrets(w.namespace, workload.serviceAccountName ?? 'default').catch((error: unknown) => this.failed('serviceaccount', error));
    return [...new Set([...workload.imagePullSecrets, ...(account ?? [])])];
  }

  private failed(what: string, error: unknown): undefined {
    const e = kubeError(error, what);
    this.o.counters.inc('tagpilot_pull_secret_errors_total', { what, code: e.code });
    // A workload that is not in the cluster (yet) is normal: debug.
    if (e.code === 'kube-not-found') this.o.log.debug({ code: e.code }, e.message);
    else this.o.log.warn({ code: e.code }, `pull secrets: ${e.message}`);
    return undefined;
  }
}

const key = (w: WorkloadId) => `${w.namespace}:${w.kind.toLowerCase()}/${w.name}`;

/** `kubernetes.io/dockerconfigjson` (`{"auths": …}`) or the older `kubernetes.io/dockercfg` (the auths map itself). */
function readAuths(secret: SecretData, name: string, log: Log): PullAuths['auths'] {
  const raw = secret.type === 'kubernetes.io/dockercfg' ? secret.data['.dockercfg'] : secret.data['.dockerconfigjson'];
  if (raw === undefined || raw.length > MAX_AUTHS_BYTES) {
    log.warn({ secret: name, type: secret.type }, 'pull secrets: not a dockerconfigjson Secret (no .dockerconfigjson key), or too large; ignored');
    return {};
  }
  try {
    const json = JSON.parse(raw.toString('utf8')) as unknown;
    const auths = secret.type === 'kubernetes.io/dockercfg' ? json : (json as { auths?: unknown } | null)?.auths;
    if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) return {};
    return auths as PullAuths['auths'];
  } catch {
    // The value is a secret: say which Secret, never what it holds.
    log.warn({ secret: name }, 'pull secrets: the Secret is not JSON; ignored');
    return {};
  }
}
