/**
 * The API resources the double serves: exactly those tagpilot uses, with the verbs the real API
 * server has for them (a verb the resource lacks is 405 there and here).
 */
export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  verbs: readonly Verb[];
}

export type Verb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';

const READ: readonly Verb[] = ['get', 'list'];
const ALL: readonly Verb[] = ['get', 'list', 'create', 'update', 'patch', 'delete'];

export const RESOURCES: readonly Resource[] = [
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', verbs: ALL },
  { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', verbs: ALL },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', verbs: ALL },
  { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', verbs: READ },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', verbs: READ },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', verbs: READ },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', verbs: READ },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', verbs: READ },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', verbs: READ },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', verbs: READ },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', verbs: READ },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', kind: 'Rollout', verbs: READ },
];

/** `leases.coordination.k8s.io`, `secrets`: how the API server names a resource in messages. */
export function qualified(resource: Resource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

export function apiVersion(resource: Resource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

export function resourceForKind(apiVersionText: string, kind: string): Resource | undefined {
  return RESOURCES.find((r) => apiVersion(r) === apiVersionText && r.kind === kind);
}

/** Core resources live under `/api/v1`, the others under `/apis/<group>/<version>`. */
const PATH = /^\/(?:api\/(?<coreVersion>v1)|apis\/(?<group>[a-z0-9.-]+)\/(?<version>v[0-9a-z]+))\/namespaces\/(?<namespace>[a-z0-9-]{1,63})\/(?<plural>[a-z]+)(?:\/(?<name>[^/]+))?$/;

export interface Target {
  resource: Resource;
  namespace: string;
  name?: string;
}

export function targetOf(pathname: string): Target | undefined {
  const m = PATH.exec(pathname)?.groups;
  if (m === undefined) return undefined;
  const group = m.coreVersion === undefined ? m.group : '';
  const version = m.coreVersion ?? m.version;
  const resource = RESOURCES.find((r) => r.group === group && r.version === version && r.plural === m.plural);
  if (resource === undefined) return undefined;
  return { resource, namespace: m.namespace!, name: m.name === undefined ? undefined : decodeURIComponent(m.name) };
}
