import { posix } from 'node:path';
import { isMap, isSeq, type Document } from 'yaml';
import { readAnnotations, readFreezeAnnotation, readSlotSettings, UNLOCKED, hasImageUpdater, IMAGE_UPDATER } from '../policy/index.ts';
import { reportAnnotations, type ObjectContext } from './context.ts';
import { applicationSlots, isArgoApplication, overrideFileApplication, overrideSlots, updaterImages, type UpdaterApplication } from './argocd.ts';
import { helmSlots, isHelmRelease } from './helm.ts';
import { isKustomization, isKustomizationFile, kustomizationNamespace, kustomizeSlots } from './kustomize.ts';
import { markerSlots } from './marked.ts';
import { mayHoldMarkers } from './markers.ts';
import { isFluxImageObject, namedPolicies, readFluxObject, underUpdatePath, type FluxAutomation, type FluxObjects, type NamedPolicies } from './named.ts';
import { mayHoldSlots } from './prescan.ts';
import type { FindOptions, ImageSlot, NamedPolicy, Notice, Problem, SourceFile } from './types.ts';
import { containerSlots, isWorkloadKind } from './workloads.ts';
import { deref, get, getString, keyLines, lineOf, parseFile, stringMap, type ParsedFile } from './yaml.ts';
import { fileProblem } from '../problems/index.ts';

/** One file's slots and problems (the second pass of SlotFinder). */
export interface FileFindings {
  slots: ImageSlot[];
  problems: Problem[];
  /** What is worth telling but no failure: a marker that is not ours, a bad digest replaced. */
  notices: Notice[];
  /** The file's parse, when it was parsed (given or made): an edit of the file can use it instead of parsing it again. */
  parsed?: ParsedFile;
}

export interface FindResult extends Omit<FileFindings, 'parsed'> {
  /** Flux ImageUpdateAutomation objects in the repository (their paths and commit subjects). */
  fluxAutomations: FluxAutomation[];
}

/**
 * Bigger files are skipped with a problem: manifests are small (a large Helm values file is under
 * 200 KB), and parsing costs some 40 times the file in heap. The cycle's default (git.maxFileSize).
 */
export const MAX_FILE_BYTES = 256 * 1024;
/** `kind: List` inside `kind: List` is followed this deep. */
const MAX_LIST_DEPTH = 4;

interface Parsed extends ParsedFile {
  file: SourceFile;
}

/**
 * Finds image slots file by file, in two passes over the files, so a caller can read, parse and
 * drop one file at a time: `learn` every file first (kustomization namespaces, Flux image objects
 * and Image Updater Applications, which other files depend on), then `find` in each. Never throws
 * on content: bad input becomes a problem (in the files that can hold a slot: see prescan.ts).
 */
export class SlotFinder {
  private readonly options: FindOptions;
  private readonly settings: RepoSettings = { namespaces: new Map(), flux: { policies: new Map(), repositories: new Map(), automations: [] }, applications: new Map() };
  private named: NamedPolicies | undefined;

  constructor(options: FindOptions = {}) {
    this.options = options;
  }

  /**
   * Whether `learn` has anything to take from a file, judged from its path and raw bytes: most
   * files need not be decoded in the first pass at all.
   */
  static mayTeach(path: string, bytes: Uint8Array): boolean {
    if (isKustomizationFile(path)) return true;
    const raw = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return raw.includes(FLUX_IMAGE_API) || raw.includes(IMAGE_UPDATER);
  }

  /** Flux ImageUpdateAutomation objects learnt so far (all of them once every file was learnt). */
  get fluxAutomations(): FluxAutomation[] {
    return this.settings.flux.automations;
  }

  /** First pass: what this file tells about others; problems only for what it defines. `parsed`: a parse of it already made. */
  learn(file: SourceFile, parsed?: ParsedFile): Problem[] {
    if (!isRepoSetting(file) || this.tooBig(file, undefined)) return [];
    const problems: Problem[] = [];
    readRepoSettings(parse(file, parsed), this.settings, problems);
    return problems;
  }

  /** Second pass, once every file was learnt: the file's slots and problems. `parsed`: a parse of it already made. */
  find(file: SourceFile, parsed?: ParsedFile): FileFindings {
    const result: FileFindings = { slots: [], problems: [], notices: [] };
    if (this.tooBig(file, result.problems)) return result;
    const { namespaces, flux, applications } = this.settings;
    this.named ??= namedPolicies(this.options.namedPolicies, flux);
    const markers = mayHoldMarkers(file.text);
    const named = markers ? this.named : undefined;
    const override = applications.get(overrideFileApplication(file.path) ?? '');
    // Most of a repository (Services, ConfigMaps, CRDs) cannot hold a slot: not parsed at all.
    if (override === undefined && !isRepoSetting(file) && !mayHoldSlots(file.text)) return result;
    const made = parsed ?? parseFile(file.text);
    result.parsed = made;
    forEachObject(parse(file, made), namespaces, result, (ctx, object) => {
      if (override !== undefined) return void result.slots.push(...overrideSlots(asApplication(ctx, override), [object], override.images));
      findInObject(ctx, object, named, result.slots);
    });
    // Every automation is known here: `find` runs after every `learn`.
    if (markers && !underUpdatePath(file.path, flux.automations)) outsideUpdatePaths(file.path, result.slots, this.named, flux.automations, result.problems);
    return result;
  }

  private tooBig(file: SourceFile, problems: Problem[] | undefined): boolean {
    const limit = this.options.maxFileBytes ?? MAX_FILE_BYTES;
    if (file.text.length <= limit) return false;
    problems?.push(fileProblem('file-too-large', file.path, `skipped: larger than ${limit} bytes`));
    return true;
  }
}

/** Finds every image slot in the files (both passes of SlotFinder over a list held in memory). */
export function findSlots(files: readonly SourceFile[], options: FindOptions = {}): FindResult {
  const finder = new SlotFinder(options);
  const result: FindResult = { slots: [], problems: files.flatMap((file) => finder.learn(file)), notices: [], fluxAutomations: finder.fluxAutomations };
  for (const file of files) {
    const found = finder.find(file);
    result.slots.push(...found.slots);
    result.problems.push(...found.problems);
    result.notices.push(...found.notices);
  }
  return result;
}

/** The slots of one file, as findSlots finds them, from a parse already made: an edit checks its result without parsing it again. */
export function slotsOfParsed(file: SourceFile, parsed: ParsedFile): ImageSlot[] {
  const finder = new SlotFinder();
  finder.learn(file, parsed);
  return finder.find(file, parsed).slots;
}

/**
 * Flux applied `$imagepolicy` markers only under its ImageUpdateAutomations' `update.path`:
 * elsewhere they are left unautomated, as they were, with one problem for the file.
 */
function outsideUpdatePaths(path: string, slots: ImageSlot[], named: ReadonlyMap<string, NamedPolicy>, automations: readonly FluxAutomation[], problems: Problem[]): void {
  const fluxPolicies = new Set([...named.values()].map((n) => n.policy));
  let count = 0;
  for (const slot of slots) {
    if (slot.policy === undefined || !fluxPolicies.has(slot.policy)) continue;
    delete slot.policy;
    count++;
  }
  if (count > 0) problems.push(fileProblem('marker-not-automated', path, `${count} Flux marker${count === 1 ? '' : 's'} outside every ImageUpdateAutomation update.path (${automations.map((a) => a.path || '.').join(', ')}): not automated`));
}

/** An override file's slots belong to its Application: its workload id and its lock. */
function asApplication(ctx: ObjectContext, app: UpdaterApplication): ObjectContext {
  const owned: ObjectContext = { ...ctx, lock: app.lock, annotations: app.annotations, freeze: app.freeze };
  if (app.workload !== undefined) owned.workload = app.workload;
  return owned;
}

function parse(file: SourceFile, parsed: ParsedFile = parseFile(file.text)): Parsed {
  return { file, ...parsed };
}

const FLUX_IMAGE_API = 'image.toolkit.fluxcd.io/';

function isRepoSetting(file: SourceFile): boolean {
  return isKustomizationFile(file.path) || file.text.includes(FLUX_IMAGE_API) || file.text.includes(IMAGE_UPDATER);
}

interface RepoSettings {
  namespaces: Map<string, string>;
  flux: FluxObjects;
  /** Applications annotated for Argo CD Image Updater, by name, for their override files. */
  applications: Map<string, UpdaterApplication>;
}

/** First pass: what other files depend on (kustomization namespaces, Flux image objects, Image Updater Applications). */
function readRepoSettings(p: Parsed, { namespaces, flux, applications }: RepoSettings, problems: Problem[]): void {
  const kustomization = isKustomizationFile(p.file.path);
  // Parse errors are reported by the second pass, which reads these files again from the same parse.
  forEachObject(p, new Map(), { problems: [], notices: [] }, (ctx, object) => {
    const kind = getString(ctx.doc, object, 'kind');
    const apiVersion = getString(ctx.doc, object, 'apiVersion') ?? '';
    if (kustomization && isKustomization(p.file.path, kind, apiVersion)) {
      const namespace = kustomizationNamespace(ctx, object);
      if (namespace !== undefined) namespaces.set(posix.dirname(p.file.path), namespace);
    }
    const meta = get(ctx.doc, object, 'metadata');
    const name = getString(ctx.doc, meta, 'name');
    if (kind !== undefined && name !== undefined && isFluxImageObject(kind, apiVersion)) {
      const namespace = getString(ctx.doc, meta, 'namespace') ?? 'default';
      readFluxObject({ ...ctx, problems }, object, kind, namespace, name, flux);
    }
    if (kind !== undefined && name !== undefined && isArgoApplication(kind, apiVersion) && hasImageUpdater(ctx.annotations)) {
      // Problems are reported once, when the Application itself is read in the second pass.
      const app: UpdaterApplication = { images: updaterImages({ ...ctx, problems: [] }), lock: ctx.lock, annotations: ctx.annotations, freeze: ctx.freeze };
      if (ctx.workload !== undefined) app.workload = ctx.workload;
      if (!applications.has(name)) applications.set(name, app);
    }
  });
}

type ObjectVisitor = (ctx: ObjectContext, object: unknown) => void;

/** Calls `visit` for each object in each error-free document: plain, in a top-level array, or in `kind: List`. */
function forEachObject(p: Parsed, namespaces: ReadonlyMap<string, string>, sink: Sink, visitObject: ObjectVisitor): void {
  for (const doc of p.docs) {
    const error = doc.errors[0];
    if (error !== undefined) {
      sink.problems.push(yamlProblem(p, error));
      continue;
    }
    const each = (node: unknown, depth: number): void => {
      const value = deref(doc, node);
      if (isSeq(value) && depth <= MAX_LIST_DEPTH) {
        for (const item of value.items) each(item, depth + 1);
        return;
      }
      if (!isMap(value)) return;
      const items = getString(doc, value, 'kind') === 'List' ? get(doc, value, 'items') : undefined;
      if (isSeq(items) && depth <= MAX_LIST_DEPTH) each(items, depth + 1);
      else visitObject(objectContext(p, doc, value, namespaces, sink), value);
    };
    each(doc.contents, 0);
  }
}

/** A document that does not parse, or repeats a key (which one counts differs between tools): skipped. */
function yamlProblem(p: Parsed, error: Document.Parsed['errors'][number]): Problem {
  const line = lineOf(p.lines, error.pos[0]);
  if (error.code !== 'DUPLICATE_KEY') return fileProblem('yaml-invalid', p.file.path, `not valid YAML: ${error.message}`, line);
  const key = /^["']?([^"':\r\n]{1,80})/.exec(p.file.text.slice(error.pos[0]))?.[1]?.trim() ?? '?';
  return fileProblem('duplicate-key', p.file.path, `duplicate key "${key}": tools disagree on which value counts, so this document is skipped until it is fixed`, line);
}

/** Where the objects of a file report. */
interface Sink {
  problems: Problem[];
  notices: Notice[];
}

function objectContext(p: Parsed, doc: Document.Parsed, object: unknown, namespaces: ReadonlyMap<string, string>, { problems, notices }: Sink): ObjectContext {
  const meta = get(doc, object, 'metadata');
  const kind = getString(doc, object, 'kind');
  const name = getString(doc, meta, 'name');
  const annotationsNode = get(doc, meta, 'annotations');
  const annotations = stringMap(doc, annotationsNode);
  const annotationLines = keyLines(doc, annotationsNode, p.lines);
  const ctx: ObjectContext = { path: p.file.path, source: p.file.text, doc, lines: p.lines, annotations, annotationLines, lock: UNLOCKED, freeze: [], problems, notices };
  if (kind !== undefined && name !== undefined) {
    const namespace = getString(doc, meta, 'namespace') ?? enclosingNamespace(namespaces, p.file.path) ?? 'default';
    ctx.workload = `${namespace}:${kind.toLowerCase()}/${name}`;
  }
  // The lock is read for every object, so a lock on a HelmRelease or a marked ConfigMap holds too.
  if (Object.keys(annotations).length === 0) return ctx;
  ctx.lock = readAnnotations(annotations, []).lock;
  const freeze = readFreezeAnnotation(annotations);
  ctx.freeze = freeze.windows;
  const settings = readSlotSettings(annotations, undefined, ctx.lock);
  reportAnnotations(ctx, [...(freeze.problem === undefined ? [] : [freeze.problem]), ...settings.problems]);
  return ctx;
}

/** The namespace of the nearest kustomization (same directory, then each parent) that sets one. */
function enclosingNamespace(namespaces: ReadonlyMap<string, string>, path: string): string | undefined {
  if (namespaces.size === 0) return undefined;
  let dir = posix.dirname(path);
  for (;;) {
    const found = namespaces.get(dir);
    if (found !== undefined) return found;
    if (dir === '.' || dir === '/' || dir === '') return undefined;
    dir = posix.dirname(dir);
  }
}

function findInObject(ctx: ObjectContext, object: unknown, named: NamedPolicies | undefined, out: ImageSlot[]): void {
  const kind = getString(ctx.doc, object, 'kind');
  const apiVersion = getString(ctx.doc, object, 'apiVersion') ?? '';
  let slots: ImageSlot[] = [];
  if (kind !== undefined && isWorkloadKind(kind, apiVersion)) slots = containerSlots(ctx, object, kind);
  else if (isKustomization(ctx.path, kind, apiVersion)) slots = kustomizeSlots(ctx, object);
  else if (kind !== undefined && isHelmRelease(kind, apiVersion)) slots = helmSlots(ctx, object);
  else if (kind !== undefined && isArgoApplication(kind, apiVersion) && hasImageUpdater(ctx.annotations)) slots = applicationSlots(ctx, object, updaterImages(ctx));
  if (named !== undefined) slots.push(...markerSlots(ctx, object, named, slots));
  out.push(...slots);
}
