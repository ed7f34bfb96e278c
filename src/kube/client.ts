import { kubeError } from './errors.ts';
import type { LivePod, LiveWorkload } from './rollout.ts';

/** The parts of a Lease tagpilot reads and writes; times are epoch milliseconds (MicroTime on the wire). */
export interface Lease {
  name: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  holder?: string;
  durationS?: number;
  acquireTime?: number;
  renewTime?: number;
  transitions?: number;
}

/** An events.k8s.io/v1 Event as tagpilot writes it. */
export interface KubeEvent {
  name: string;
  namespace: string;
  regarding: ObjectRef;
  reason: string;
  action: string;
  type: 'Normal' | 'Warning';
  note: string;
  eventTime: number;
  reportingController: string;
  reportingInstance: string;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface SecretData {
  resourceVersion: string;
  type?: string;
  /** Decoded values by key. */
  data: Record<string, Buffer>;
}

/** What tagpilot reads of a workload: its identity and its pod template's pull secrets and ServiceAccount. */
export interface Workload extends ObjectRef {
  imagePullSecrets: string[];
  serviceAccountName?: string;
}

/** The workload kinds tagpilot edits, by kind: their API version. */
export const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  Pod: 'v1',
  Rollout: 'argoproj.io/v1alpha1',
};

/**
 * The Kubernetes API as tagpilot uses it: by name only, in one namespace at a time. Every method
 * throws a KubeError. The real one is `connect()`; tests drive it against the API double.
 */
export interface KubeClient {
  /** tagpilot's own namespace: $POD_NAMESPACE, the ServiceAccount's, or the kubeconfig context's. */
  readonly namespace: string;
  listLeases(namespace: string, labelSelector: string): Promise<Lease[]>;
  createLease(namespace: string, lease: Lease): Promise<Lease>;
  /** A compare-and-swap on `lease.resourceVersion`: kube-conflict when the Lease moved. */
  replaceLease(namespace: string, lease: Lease): Promise<Lease>;
  createEvent(event: KubeEvent): Promise<void>;
  /** Folds a repeat into the Event's series. */
  patchEventSeries(namespace: string, name: string, series: { count: number; lastObservedTime: number }): Promise<void>;
  getSecret(namespace: string, name: string): Promise<SecretData>;
  getServiceAccountPullSecrets(namespace: string, name: string): Promise<string[]>;
  getWorkload(kind: string, namespace: string, name: string): Promise<Workload>;
  /** A Deployment, StatefulSet, DaemonSet or Rollout as its rollout is judged: spec images, generation, status (docs/verification.md). */
  getRolloutState(kind: string, namespace: string, name: string): Promise<LiveWorkload>;
  /** The Pods a workload's selector matches (`a=b,c=d`), at most `limit`. */
  listPods(namespace: string, labelSelector: string, limit: number): Promise<LivePod[]>;
  /** Events of a namespace (events.k8s.io), at most `limit`: what `history --verified` reads the outcomes from. */
  listEvents(namespace: string, limit: number): Promise<ListedEvent[]>;
}

/** An Event as listed: what the verification outcome is read from. */
export interface ListedEvent {
  reason?: string;
  note?: string;
  reportingController?: string;
  regarding?: { kind?: string; name?: string };
  /** RFC 3339 (the series' last time when there is one). */
  at?: string;
}

export interface ConnectOptions {
  /** A kubeconfig file; without it, the in-cluster ServiceAccount (token and CA), else $KUBECONFIG. */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** Each request's bound, answer included (default 10 s). */
  timeoutMs?: number;
}

/** Loads @kubernetes/client-node (about 0.7 s and 40 MiB: only when a feature needs the API) and builds the client. */
export async function connect(options: ConnectOptions = {}): Promise<KubeClient> {
  const { clientNodeAdapter } = await import('./client-node.ts');
  try {
    return await clientNodeAdapter(options);
  } catch (error) {
    throw kubeError(error, 'kubernetes config');
  }
}
