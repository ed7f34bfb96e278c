import { after, before } from 'node:test';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { cluster, POD, type Cluster } from '../kube/double.ts';
import type { Fields } from '../harness/kube/index.ts';
import { complete, pod, workload } from '../kube/rollout-fixtures.ts';
import { receiver } from '../notify/receiver.ts';

/** The generic webhook's HMAC key, given to tagpilot as `HMAC_KEY`. */
export const HMAC_KEY = 'notify-key-0123';

/** The `x-tagpilot-signature` a notification with `body` must carry. */
export const signatureOf = (body: string) => `sha256=${createHmac('sha256', HMAC_KEY).update(body).digest('hex')}`;

/**
 * tagpilot in a "Pod" that verifies its rollouts and notifies them: the API double (config/ with
 * the verify component), the real registry, the real Git server and a notification receiver.
 * The test plays the sync loop, applying each commit to the double.
 */
export class PodStack {
  // Set in the file's `before`, so before any test reads them.
  registry!: TestRegistry;
  server!: GitServer;
  k!: Cluster;
  hooks!: Awaited<ReturnType<typeof receiver>>;
  work = '';

  /** `team/web` at `tag` in the registry. */
  image = (tag: string): string => `${this.registry.host}/team/web:${tag}`;

  private generation = 2;

  /** The sync loop applies `shop:deployment/web` at `tag`: its new Pods run it, or cannot (`failing`). */
  live(tag: string, failing: false | 'ImagePullBackOff' | 'CrashLoopBackOff' = false): void {
    this.generation += 1;
    const generation = this.generation;
    this.k.api.apply(workload('Deployment', this.image(tag), failing !== false ? { generation, observed: generation, updated: 1, ready: 0, available: 0 } : { generation, observed: generation, ...complete('Deployment') }));
    for (const p of this.k.api.list('v1', 'Pod', 'shop') as Fields[]) this.k.api.remove('v1', 'Pod', 'shop', p.metadata.name);
    this.k.api.apply(pod(`web-${tag.replaceAll('.', '-')}`, this.image(tag), failing !== false ? { waiting: failing } : {}));
  }

  /** What the Pod's environment gives tagpilot: the kubeconfig, the Pod's name and namespace, the webhook's key. */
  env(): Record<string, string> {
    return { KUBECONFIG: this.k.kubeconfig, POD_NAME: POD.POD_NAME, POD_NAMESPACE: POD.POD_NAMESPACE, HMAC_KEY };
  }

  async start(name: string, tags: Readonly<Record<string, readonly string[]>>): Promise<void> {
    [this.registry, this.server, this.k, this.hooks] = await Promise.all([startRegistry(), startGitServer(), cluster(['workload-events', 'verify']), receiver()]);
    for (const [repository, list] of Object.entries(tags)) await seedTags(this.registry.url, repository, versionTags([...list]));
    this.work = mkdtempSync(join(tmpdir(), `tagpilot-${name}-`));
  }

  async stop(): Promise<void> {
    await Promise.all([this.registry.stop(), this.server.stop(), this.k.stop(), this.hooks.stop()]);
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** The stack for this test file: started with `tags` seeded before its tests, stopped after them. */
export function usePodStack(name: string, tags: Readonly<Record<string, readonly string[]>>): PodStack {
  const stack = new PodStack();
  before(() => stack.start(name, tags));
  after(() => stack.stop());
  return stack;
}
