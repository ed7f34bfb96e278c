import { after, before } from 'node:test';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { cluster, type Cluster } from '../kube/double.ts';
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

  /** What the Pod's environment gives tagpilot: the kubeconfig, the Pod's name and namespace, the webhook's key. */
  env(): Record<string, string> {
    return { KUBECONFIG: this.k.kubeconfig, POD_NAME: 'tagpilot-7c9d-x2k4p', POD_NAMESPACE: 'tagpilot', HMAC_KEY };
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
