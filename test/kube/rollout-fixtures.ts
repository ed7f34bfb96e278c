import type { KubeObject } from '../harness/kube/index.ts';

/** Workload and Pod objects as the API server returns them, for the rollout tests. */
export const IMAGE_OLD = 'registry.example.com/shop/web:1.4.2';
export const IMAGE_NEW = 'registry.example.com/shop/web:1.5.0';
export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const expected = [{ container: 'web', repository: 'registry.example.com/shop/web', to: '1.5.0' }];

export interface StatusFields {
  generation?: number;
  observed?: number;
  replicas?: number;
  updated?: number;
  ready?: number;
  available?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  phase?: string;
}

const API: Record<string, string> = { Deployment: 'apps/v1', StatefulSet: 'apps/v1', DaemonSet: 'apps/v1', Rollout: 'argoproj.io/v1alpha1' };

export function workload(kind: string, image: string, s: StatusFields = {}, annotations: Record<string, string> = {}): KubeObject {
  const replicas = s.replicas ?? 2;
  const counts = kind === 'DaemonSet' ? { desiredNumberScheduled: replicas, updatedNumberScheduled: s.updated, numberReady: s.ready, numberAvailable: s.available } : { replicas, updatedReplicas: s.updated, readyReplicas: s.ready, availableReplicas: s.available };
  return {
    apiVersion: API[kind]!,
    kind,
    metadata: { name: 'web', namespace: 'shop', generation: s.generation ?? 2, annotations },
    spec: {
      ...(kind === 'DaemonSet' ? {} : { replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
    status: { observedGeneration: s.observed ?? s.generation ?? 2, ...counts, conditions: s.conditions ?? [], ...(s.phase === undefined ? {} : { phase: s.phase }) },
  };
}

export const complete = (kind: string): StatusFields => ({
  updated: 2,
  ready: 2,
  available: 2,
  conditions:
    kind === 'Deployment'
      ? [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
        ]
      : [],
  phase: kind === 'Rollout' ? 'Healthy' : undefined,
});

export interface PodFields {
  ready?: boolean;
  waiting?: string;
  imageID?: string;
  deleting?: boolean;
}

export function pod(name: string, image: string, f: PodFields = {}): KubeObject {
  const state = f.waiting === undefined ? { running: { startedAt: '2026-12-01T10:00:00Z' } } : { waiting: { reason: f.waiting, message: `Back-off pulling image "${image}"` } };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', labels: { app: 'web' }, ...(f.deleting === true ? { deletionTimestamp: '2026-12-01T10:00:00Z' } : {}) },
    spec: { containers: [{ name: 'web', image }] },
    status: { containerStatuses: [{ name: 'web', image, imageID: f.imageID ?? `registry.example.com/shop/web@${DIGEST}`, ready: f.ready ?? f.waiting === undefined, state }] },
  };
}
