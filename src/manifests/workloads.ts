import { isMap, isScalar } from 'yaml';
import { readAnnotations } from '../policy/index.ts';
import { field, makeSlot, present, reportAnnotations, type ObjectContext } from './context.ts';
import type { ImageSlot } from './types.ts';
import { deref, get, getSeq, getString } from './yaml.ts';

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
};

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'];

export function isWorkloadKind(kind: string, apiVersion: string): boolean {
  if (kind === 'Rollout') return apiVersion.startsWith('argoproj.io/');
  return Object.hasOwn(POD_SPEC_PATHS, kind);
}

/** One slot per container image; the policy comes from the workload's annotations. */
export function containerSlots(ctx: ObjectContext, object: unknown, kind: string): ImageSlot[] {
  let podSpec: unknown = object;
  for (const key of POD_SPEC_PATHS[kind] ?? []) podSpec = get(ctx.doc, podSpec, key);
  if (!isMap(podSpec)) return [];
  const containers = listContainers(ctx, podSpec);
  const read = readAnnotations(
    ctx.annotations,
    containers.map((c) => c.name),
  );
  reportAnnotations(ctx, read.problems);
  return containers.map((c) => makeSlot(ctx, { kind: 'container', container: c.name, fields: [c.field], policy: read.automated ? read.policies.get(c.name) : undefined })).filter(present);
}

function listContainers(ctx: ObjectContext, podSpec: unknown) {
  const found = [];
  for (const list of CONTAINER_LISTS) {
    for (const item of getSeq(ctx.doc, podSpec, list)?.items ?? []) {
      const container = deref(ctx.doc, item);
      const name = getString(ctx.doc, container, 'name');
      const image = get(ctx.doc, container, 'image');
      const ref = isScalar(image) ? field('ref', image) : undefined;
      if (name !== undefined && ref !== undefined) found.push({ name, field: ref });
    }
  }
  return found;
}
