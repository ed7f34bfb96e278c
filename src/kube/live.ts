import type { LivePod, LiveWorkload } from './rollout.ts';

/**
 * The API's objects (as JSON, or client-node's camelCase models, which use the same field names)
 * reduced to what a rollout is judged by. Hostile input: every field is checked for its type, and
 * lists are bounded.
 */
type Json = Record<string, unknown>;

const MAX_ITEMS = 100;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.slice(0, MAX_ITEMS).map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(obj(v)).slice(0, MAX_ITEMS)) if (typeof value === 'string') out[k] = value;
  return out;
}

export function liveWorkload(kind: string, raw: unknown): LiveWorkload {
  const o = obj(raw);
  const metadata = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const pod = obj(obj(spec.template).spec);
  const containers = [...arr(pod.initContainers), ...arr(pod.containers)].flatMap((c) => {
    const name = str(c.name);
    const image = str(c.image);
    return name === undefined || image === undefined ? [] : [{ name, image }];
  });
  const desired = kind === 'DaemonSet' ? num(status.desiredNumberScheduled) : (num(spec.replicas) ?? 1);
  const selector = obj(spec.selector).matchLabels;
  return {
    kind,
    generation: num(metadata.generation),
    annotations: strings(metadata.annotations),
    containers,
    selector: selector === undefined ? undefined : strings(selector),
    status: {
      observedGeneration: num(status.observedGeneration),
      desired,
      updated: num(kind === 'DaemonSet' ? status.updatedNumberScheduled : status.updatedReplicas),
      ready: num(kind === 'DaemonSet' ? status.numberReady : status.readyReplicas),
      available: num(kind === 'DaemonSet' ? status.numberAvailable : status.availableReplicas),
      conditions: arr(status.conditions).map((c) => ({ type: str(c.type) ?? '', status: str(c.status) ?? '', reason: str(c.reason), message: str(c.message) })),
      phase: str(status.phase),
      message: str(status.message),
    },
  };
}

export function livePod(raw: unknown): LivePod {
  const o = obj(raw);
  const metadata = obj(o.metadata);
  const spec = obj(o.spec);
  const status = obj(o.status);
  const statuses = [...arr(status.initContainerStatuses), ...arr(status.containerStatuses)];
  const containers = [...arr(spec.initContainers), ...arr(spec.containers)].flatMap((c) => {
    const name = str(c.name);
    const image = str(c.image);
    if (name === undefined || image === undefined) return [];
    const s = statuses.find((x) => x.name === name) ?? {};
    const waiting = obj(obj(s.state).waiting);
    return [{ name, image, imageID: str(s.imageID), ready: s.ready === true, waiting: str(waiting.reason), waitingMessage: str(waiting.message) }];
  });
  return { name: str(metadata.name) ?? '', deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null, containers };
}

/** `matchLabels` as a label selector (`a=b,c=d`); undefined when it has none (a selector tagpilot cannot write selects nothing). */
export function labelSelector(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return undefined;
  return entries.map(([k, v]) => `${k}=${v}`).join(',');
}
