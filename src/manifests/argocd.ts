import { posix } from 'node:path';
import { isScalar } from 'yaml';
import { parseImageRef, repositoryName } from '../image/index.ts';
import { IMAGE_UPDATER, readImageUpdater, type UpdaterImage } from '../policy/index.ts';
import { field, makeSlot, present, type ObjectContext, type SlotDraft } from './context.ts';
import type { ImageSlot, SlotField } from './types.ts';
import { deref, get, getSeq, getString } from './yaml.ts';
import { fileProblem } from '../problems/index.ts';

/**
 * Argo CD Applications annotated for Argo CD Image Updater. Image Updater keeps an image's
 * reference in the Application's Helm parameters or kustomize images, or, with Git write-back,
 * in `.argocd-source-<application>.yaml` next to the sources; each is a slot with the policy
 * the annotations give (src/policy/image-updater.ts).
 */
export function isArgoApplication(kind: string, apiVersion: string): boolean {
  return kind === 'Application' && apiVersion.startsWith('argoproj.io/');
}

/** What a `.argocd-source-<name>.yaml` file needs from its Application. */
export interface UpdaterApplication {
  workload?: string;
  images: UpdaterImage[];
  lock: ObjectContext['lock'];
  /** Its annotations and freeze windows hold for the override file's slots too. */
  annotations: ObjectContext['annotations'];
  freeze: ObjectContext['freeze'];
}

const OVERRIDE_FILE = /^\.argocd-source-(.+)\.ya?ml$/;

/** The Application name an override file belongs to, when `path` is one. */
export function overrideFileApplication(path: string): string | undefined {
  return OVERRIDE_FILE.exec(posix.basename(path))?.[1];
}

/** The Application's images, with its annotation problems reported. */
export function updaterImages(ctx: ObjectContext): UpdaterImage[] {
  const read = readImageUpdater(ctx.annotations);
  const line = ctx.annotationLines.get(`${IMAGE_UPDATER}image-list`);
  for (const problem of read.problems) ctx.problems.push(fileProblem('annotation-invalid', ctx.path, `${ctx.workload ?? ctx.path}: ${problem}`, line));
  return read.images;
}

export function applicationSlots(ctx: ObjectContext, object: unknown, images: readonly UpdaterImage[]): ImageSlot[] {
  const spec = get(ctx.doc, object, 'spec');
  const sources = [get(ctx.doc, spec, 'source'), ...(getSeq(ctx.doc, spec, 'sources')?.items ?? [])].map((s) => deref(ctx.doc, s));
  return overrideSlots(ctx, sources, images);
}

/** Slots in sources (an Application's `spec.source(s)`, or an override file's top level). */
export function overrideSlots(ctx: ObjectContext, sources: readonly unknown[], images: readonly UpdaterImage[]): ImageSlot[] {
  const drafts: SlotDraft[] = [];
  for (const image of images) {
    for (const source of sources) {
      const draft = helmDraft(ctx, source, image) ?? kustomizeDraft(ctx, source, image);
      if (draft !== undefined) drafts.push(draft);
    }
  }
  return drafts.map((draft) => makeSlot(ctx, draft)).filter(present);
}

function helmDraft(ctx: ObjectContext, source: unknown, image: UpdaterImage): SlotDraft | undefined {
  const parameters = new Map<string, SlotField>();
  for (const item of getSeq(ctx.doc, get(ctx.doc, source, 'helm'), 'parameters')?.items ?? []) {
    const name = getString(ctx.doc, item, 'name');
    const value = get(ctx.doc, item, 'value');
    if (name !== undefined && isScalar(value)) {
      const found = field('tag', value);
      if (found !== undefined) parameters.set(name, found);
    }
  }
  const base = { kind: 'helm' as const, container: image.name, policy: image.policy, fallbackName: image.image };
  const whole = image.helm.spec === undefined ? undefined : parameters.get(image.helm.spec);
  if (whole !== undefined) return { ...base, fields: [{ ...whole, part: 'ref' }] };
  const tag = parameters.get(image.helm.tag);
  if (tag === undefined) return undefined;
  const name = parameters.get(image.helm.name);
  return { ...base, fields: name === undefined ? [tag] : [{ ...name, part: 'name' }, tag] };
}

/** A kustomize image override naming the image: `repo:tag` (an `old=new:tag` entry cannot be edited yet). */
function kustomizeDraft(ctx: ObjectContext, source: unknown, image: UpdaterImage): SlotDraft | undefined {
  for (const item of getSeq(ctx.doc, get(ctx.doc, source, 'kustomize'), 'images')?.items ?? []) {
    const node = deref(ctx.doc, item);
    const found = isScalar(node) ? field('ref', node) : undefined;
    if (found === undefined) continue;
    const [original, replaced] = found.value.includes('=') ? found.value.split('=', 2) : [undefined, found.value];
    if (!sameRepository(original ?? replaced ?? '', image.kustomizeName) && !sameRepository(replaced ?? '', image.image)) continue;
    if (original !== undefined) {
      ctx.problems.push(fileProblem('slot-invalid', ctx.path, `${ctx.workload ?? ctx.path}: kustomize image "${found.value}" (original=new form) cannot be edited; write the new reference alone, or use a kustomization`));
      return undefined;
    }
    return { kind: 'kustomize', container: image.name, policy: image.policy, fields: [found] };
  }
  return undefined;
}

function sameRepository(reference: string, image: string): boolean {
  try {
    return repositoryName(parseImageRef(reference)) === repositoryName(parseImageRef(image));
  } catch {
    return false;
  }
}
