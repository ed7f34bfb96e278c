import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ConnectOptions, KubeClient, KubeEvent, Lease, ListedEvent, SecretData, Workload } from './client.ts';
import { WORKLOAD_KINDS } from './client.ts';
import { KubeError, kubeError } from './errors.ts';
import { livePod, liveWorkload } from './live.ts';
import { VERIFIABLE_KINDS } from './rollout.ts';

/** Where the kubelet mounts the ServiceAccount's token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The KubeClient over @kubernetes/client-node; this module is imported only by `connect()`. */
export async function clientNodeAdapter(options: ConnectOptions): Promise<KubeClient> {
  const kc = kubeConfig(options);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const events = kc.makeApiClient(k8s.EventsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const call = async <T>(what: string, request: (o: k8s.ConfigurationOptions) => Promise<T>): Promise<T> => {
    try {
      return await request(bounded(options.timeoutMs ?? REQUEST_TIMEOUT_MS));
    } catch (error) {
      throw kubeError(error, what);
    }
  };

  return {
    namespace: ownNamespace(kc, options.env ?? process.env),
    listLeases: (namespace, labelSelector) => call(`list leases in ${namespace}`, async (o) => (await coordination.listNamespacedLease({ namespace, labelSelector }, o)).items.map(fromLease)),
    createLease: (namespace, lease) => call(`create lease ${namespace}/${lease.name}`, async (o) => fromLease(await coordination.createNamespacedLease({ namespace, body: toLease(lease) }, o))),
    replaceLease: (namespace, lease) => call(`update lease ${namespace}/${lease.name}`, async (o) => fromLease(await coordination.replaceNamespacedLease({ namespace, name: lease.name, body: toLease(lease) }, o))),
    createEvent: (event) =>
      call(`create event ${event.namespace}/${event.name}`, async (o) => {
        await events.createNamespacedEvent({ namespace: event.namespace, body: toEvent(event) }, o);
      }),
    patchEventSeries: (namespace, name, series) =>
      call(`patch event ${namespace}/${name}`, async (o) => {
        // A JSON patch (client-node's default patch type): the series, nothing else.
        await events.patchNamespacedEvent({ namespace, name, body: [{ op: 'add', path: '/series', value: { count: series.count, lastObservedTime: micro(series.lastObservedTime) } }] }, o);
      }),
    getSecret: (namespace, name) => call(`get secret ${namespace}/${name}`, async (o) => fromSecret(await core.readNamespacedSecret({ namespace, name }, o))),
    getServiceAccountPullSecrets: (namespace, name) =>
      call(`get serviceaccount ${namespace}/${name}`, async (o) => {
        const sa = await core.readNamespacedServiceAccount({ namespace, name }, o);
        return (sa.imagePullSecrets ?? []).flatMap((s) => (s.name === undefined ? [] : [s.name]));
      }),
    getWorkload: (kind, namespace, name) => call(`get ${kind.toLowerCase()} ${namespace}/${name}`, (o) => readWorkload({ apps, batch, core, custom }, kind, namespace, name, o)),
    getRolloutState: (kind, namespace, name) =>
      call(`get ${kind.toLowerCase()} ${namespace}/${name}`, async (o) => {
        if (!VERIFIABLE_KINDS.has(kind)) throw new KubeError('kube-not-found', `${kind} has no rollout status tagpilot reads`, undefined);
        return liveWorkload(kind, await readRaw({ apps, batch, core, custom }, kind, namespace, name, o));
      }),
    listPods: (namespace, labelSelector, limit) => call(`list pods in ${namespace}`, async (o) => (await core.listNamespacedPod({ namespace, labelSelector, limit }, o)).items.slice(0, limit).map(livePod)),
    listEvents: (namespace, limit) => call(`list events in ${namespace}`, async (o) => (await events.listNamespacedEvent({ namespace, limit }, o)).items.slice(0, limit).map(fromEvent)),
  };
}

function kubeConfig(options: ConnectOptions): k8s.KubeConfig {
  const env = options.env ?? process.env;
  const kc = new k8s.KubeConfig();
  const file = options.kubeconfig ?? (env.KUBERNETES_SERVICE_HOST === undefined ? env.KUBECONFIG?.split(':')[0] : undefined);
  if (file !== undefined && file !== '') {
    kc.loadFromFile(file);
    return kc;
  }
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host === undefined) throw new KubeError('kube-unreachable', 'not in a cluster (no KUBERNETES_SERVICE_HOST) and no kubeconfig (KUBECONFIG)', undefined);
  const dir = env.TAGPILOT_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  // The token file is re-read by client-node as the kubelet rotates it (projected tokens live an hour).
  kc.loadFromClusterAndUser({ name: 'in-cluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }, { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } });
  return kc;
}

function ownNamespace(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (env.KUBERNETES_SERVICE_HOST !== undefined) {
    try {
      return readFileSync(join(env.TAGPILOT_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR, 'namespace'), 'utf8').trim();
    } catch {
      // Not mounted (automountServiceAccountToken: false with a kubeconfig): fall through.
    }
  }
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/** A request gets this long, answer included, then it is aborted (invariant 11: a stuck API server stalls nothing). */
const REQUEST_TIMEOUT_MS = 10_000;

function bounded(ms: number): k8s.ConfigurationOptions {
  const timeout: k8s.ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(AbortSignal.timeout(ms));
      return new k8s.Observable(Promise.resolve(request));
    },
    post: (response) => new k8s.Observable(Promise.resolve(response)),
  };
  return { middleware: [timeout], middlewareMergeStrategy: 'append' };
}

/** MicroTime as the API server parses it: six fractional digits (a plain Date would send three and be refused). */
function micro(ms: number): k8s.V1MicroTime {
  return new k8s.V1MicroTime(ms);
}

/** client-node hands MicroTime fields back as the strings it received, whatever its types say. */
function epoch(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function toLease(lease: Lease): k8s.V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: lease.name, resourceVersion: lease.resourceVersion, labels: lease.labels, annotations: lease.annotations },
    spec: {
      holderIdentity: lease.holder,
      leaseDurationSeconds: lease.durationS,
      acquireTime: lease.acquireTime === undefined ? undefined : micro(lease.acquireTime),
      renewTime: lease.renewTime === undefined ? undefined : micro(lease.renewTime),
      leaseTransitions: lease.transitions,
    },
  };
}

function fromLease(o: k8s.V1Lease): Lease {
  const s = o.spec ?? {};
  return {
    name: o.metadata?.name ?? '',
    resourceVersion: o.metadata?.resourceVersion,
    labels: o.metadata?.labels,
    annotations: o.metadata?.annotations,
    holder: s.holderIdentity === '' ? undefined : s.holderIdentity,
    durationS: s.leaseDurationSeconds,
    acquireTime: epoch(s.acquireTime),
    renewTime: epoch(s.renewTime),
    transitions: s.leaseTransitions,
  };
}

function fromEvent(e: k8s.EventsV1Event): ListedEvent {
  const at = e.series?.lastObservedTime ?? e.eventTime ?? e.deprecatedLastTimestamp;
  return { reason: e.reason, note: e.note, reportingController: e.reportingController, regarding: { kind: e.regarding?.kind, name: e.regarding?.name }, at: at === undefined ? undefined : new Date(at as unknown as string).toISOString() };
}

function toEvent(e: KubeEvent): k8s.EventsV1Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: e.name, namespace: e.namespace },
    eventTime: micro(e.eventTime),
    regarding: e.regarding,
    reason: e.reason,
    action: e.action,
    type: e.type,
    note: e.note,
    reportingController: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

function fromSecret(o: k8s.V1Secret): SecretData {
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(o.data ?? {})) data[key] = Buffer.from(value, 'base64');
  return { resourceVersion: o.metadata?.resourceVersion ?? '', type: o.type, data };
}

interface Apis {
  apps: k8s.AppsV1Api;
  batch: k8s.BatchV1Api;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
}

type PodSpecHolder = { metadata?: k8s.V1ObjectMeta; spec?: { template?: { spec?: k8s.V1PodSpec }; jobTemplate?: { spec?: { template?: { spec?: k8s.V1PodSpec } } } } & Partial<k8s.V1PodSpec> };

async function readWorkload(apis: Apis, kind: string, namespace: string, name: string, options: k8s.ConfigurationOptions): Promise<Workload> {
  const apiVersion = WORKLOAD_KINDS[kind];
  if (apiVersion === undefined) throw new KubeError('kube-not-found', `${kind} is not a workload kind tagpilot reads`, undefined);
  const o = (await readRaw(apis, kind, namespace, name, options)) as PodSpecHolder;
  const pod = kind === 'Pod' ? (o.spec as k8s.V1PodSpec | undefined) : kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
  return {
    apiVersion,
    kind,
    namespace,
    name,
    uid: o.metadata?.uid,
    imagePullSecrets: (pod?.imagePullSecrets ?? []).flatMap((s) => (s.name === undefined ? [] : [s.name])),
    serviceAccountName: pod?.serviceAccountName,
  };
}

/** One GET of a workload kind, by name: client-node's model (or the custom object's JSON). */
async function readRaw(apis: Apis, kind: string, namespace: string, name: string, options: k8s.ConfigurationOptions): Promise<unknown> {
  const q = { namespace, name };
  const read: Record<string, () => Promise<unknown>> = {
    Deployment: () => apis.apps.readNamespacedDeployment(q, options),
    StatefulSet: () => apis.apps.readNamespacedStatefulSet(q, options),
    DaemonSet: () => apis.apps.readNamespacedDaemonSet(q, options),
    ReplicaSet: () => apis.apps.readNamespacedReplicaSet(q, options),
    Job: () => apis.batch.readNamespacedJob(q, options),
    CronJob: () => apis.batch.readNamespacedCronJob(q, options),
    Pod: () => apis.core.readNamespacedPod(q, options),
    Rollout: () => apis.custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', namespace, name }, options),
  };
  const reader = read[kind];
  if (reader === undefined) throw new KubeError('kube-not-found', `${kind} is not a workload kind tagpilot reads`, undefined);
  return reader();
}
