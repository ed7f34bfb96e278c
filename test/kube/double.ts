import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { connect, type KubeClient } from '../../src/kube/index.ts';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { KubeApi, rbacObjects, renderedObjects, serviceAccountIdentity, type KubeObject } from '../harness/kube/index.ts';

export const TOKEN = 'tagpilot-sa-token';
export const silent = pino({ level: 'silent' });

export interface Cluster {
  api: KubeApi;
  client: KubeClient;
  kubeconfig: string;
  stop(): Promise<void>;
}

/**
 * The API double enforcing the RBAC that `kubectl apply -k config/` (plus `components`, plus the
 * manifest `files`) grants tagpilot's ServiceAccount, and a client for that ServiceAccount's token.
 */
export async function cluster(components: readonly string[] = [], files: readonly string[] = []): Promise<Cluster> {
  const extra = files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubeObject));
  const rbac = rbacObjects([
    ...renderedObjects(
      'config',
      components.map((c) => `config/components/${c}`),
    ),
    ...extra,
  ]);
  const api = await KubeApi.start({ tokens: { [TOKEN]: serviceAccountIdentity('tagpilot', 'tagpilot') }, rbac });
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-kube-'));
  const kubeconfig = api.kubeconfig(dir, TOKEN, 'tagpilot');
  const client = await connect({ kubeconfig });
  return {
    api,
    client,
    kubeconfig,
    async stop() {
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A clock a test moves by hand. */
export function manualClock(start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}
