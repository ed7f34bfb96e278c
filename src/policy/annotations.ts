/**
 * Reads a workload's annotations into policies, filters and a lock. tagpilot.io annotations come
 * first; Flux v1 (`fluxcd.io/`, `filter.fluxcd.io/`, `flux.weave.works/`) and Keel (`keel.sh/`)
 * annotations are read into the same model so manifests written for those tools work unchanged.
 * One bad annotation becomes a problem naming its key; the other annotations still apply.
 */
import { FilterError, NO_FILTERS, parseFilter, type FilterTexts, type TagFilters } from './filters.ts';
import { UNLOCKED, type Lock } from './lock.ts';
import { parseFreezeList, type FreezeWindow } from './freeze.ts';
import { withDowngrade, withFilters, type Policy } from './policy.ts';
import { cachedPolicy } from './policy-cache.ts';

/** What a workload's annotations say about automation, per container. */
export interface WorkloadPolicies {
  automated: boolean;
  /** Policy per container name, for containers that have one. */
  policies: Map<string, Policy>;
  lock: Lock;
  /** Annotations that could not be read, with the reason; the rest still apply. */
  problems: AnnotationProblem[];
}

/** One annotation that could not be read: its key (so callers can point at its line) and why. */
export interface AnnotationProblem {
  key: string;
  /** `<key>: <reason>`. */
  message: string;
}

function problem(key: string, reason: string): AnnotationProblem {
  return { key, message: `${key}: ${reason}` };
}

type Annotations = Readonly<Record<string, string>>;

const TP = 'tagpilot.io/';
const FLUX_PREFIXES = ['fluxcd.io/', 'flux.weave.works/'];
const KEEL_POLICY = 'keel.sh/policy';
const KEEL_MATCH_TAG = 'keel.sh/match-tag';
const KEEL_MATCH_PRERELEASE = 'keel.sh/matchPreRelease';

/** Per-container tagpilot.io keys: `<name>.<container>`. */
const FILTER_KEYS: Record<keyof FilterTexts, string> = { ignore: 'ignore', minAge: 'min-age', platforms: 'platforms', signature: 'verify-signature' };
/** `tagpilot.io/verify-signature` without a container applies to every container that has a policy. */
const WORKLOAD_SIGNATURE = 'verify-signature';
const DOWNGRADE = 'allow-downgrade';
const LOCK_KEYS = ['locked', 'locked-by', 'locked-reason', 'locked-at'] as const;
const ON_REVERT = 'on-revert';
const FREEZE = 'freeze';
/** Rollout verification (src/kube reads it from the live object) and what a failed rollout does. */
const VERIFY = 'verify';
const ON_FAILURE = 'on-failure';
const CONTAINER_KEYS = ['tag', DOWNGRADE, ...Object.values(FILTER_KEYS), ...LOCK_KEYS, ON_REVERT];
const WORKLOAD_KEYS = ['automated', ...LOCK_KEYS, WORKLOAD_SIGNATURE, ON_REVERT, FREEZE, VERIFY, ON_FAILURE];

/** The annotation keys of a lock: the workload's (`tagpilot.io/locked`, …), or one slot's (`tagpilot.io/locked.<name>`, …). */
export function lockKeys(slot?: string): { locked: string; by: string; reason: string; at: string } {
  const key = (name: string) => `${TP}${name}${slot === undefined ? '' : `.${slot}`}`;
  return { locked: key('locked'), by: key('locked-by'), reason: key('locked-reason'), at: key('locked-at') };
}

/** `tagpilot.io/automated`, `tagpilot.io/tag.<container>`, `tagpilot.io/on-revert[.<name>]`, `tagpilot.io/freeze`: what the workload verbs write. */
export const ANNOTATION_KEYS = {
  automated: `${TP}automated`,
  tag: (container: string) => `${TP}tag.${container}`,
  onRevert: (slot?: string) => `${TP}${ON_REVERT}${slot === undefined ? '' : `.${slot}`}`,
  freeze: `${TP}${FREEZE}`,
  onFailure: `${TP}${ON_FAILURE}`,
} as const;

/** What a slot does when a person moves it away from what tagpilot wrote: reject that tag (newer ones flow), or hold the slot. */
export type OnRevert = 'reject' | 'lock';

/** What a failed rollout verification does (docs/verification.md#auto-revert): nothing but tell (none), or a revert commit. */
export type OnFailure = 'revert' | 'none';

/** Per slot: its lock (the workload's wins) and what a revert does, read from the object's annotations. */
export interface SlotSettings {
  lock: Lock;
  onRevert?: OnRevert;
  onFailure?: OnFailure;
  problems: AnnotationProblem[];
}

/**
 * The lock and revert setting of one slot (`name`: a container, a kustomize image, a marker's
 * path): the workload's lock holds every slot; otherwise the slot's own `locked.<name>`. An
 * unreadable value counts as locked, and an unreadable `on-revert` as `lock`: in doubt, hold.
 */
export function readSlotSettings(annotations: Annotations, name: string | undefined, workloadLock: Lock = readLock(annotations, [])): SlotSettings {
  const problems: AnnotationProblem[] = [];
  const lock = workloadLock.locked || name === undefined ? workloadLock : readLockAt(annotations, lockKeys(name), problems);
  const onRevert = readOnRevert(annotations, name === undefined ? undefined : ANNOTATION_KEYS.onRevert(name), problems) ?? readOnRevert(annotations, ANNOTATION_KEYS.onRevert(), problems);
  const onFailure = readOnFailure(annotations, problems);
  return { lock, ...(onRevert === undefined ? {} : { onRevert }), ...(onFailure === undefined ? {} : { onFailure }), problems };
}

/** `tagpilot.io/on-failure`: an unreadable value reverts nothing (in doubt, the bot keeps its hands off). */
function readOnFailure(annotations: Annotations, problems: AnnotationProblem[]): OnFailure | undefined {
  const key = ANNOTATION_KEYS.onFailure;
  const value = annotations[key];
  if (value === undefined) return undefined;
  if (value === 'revert' || value === 'none') return value;
  problems.push(problem(key, `expected "revert" or "none", got "${value.slice(0, 40)}"; read as none`));
  return 'none';
}

function readOnRevert(annotations: Annotations, key: string | undefined, problems: AnnotationProblem[]): OnRevert | undefined {
  const value = key === undefined ? undefined : annotations[key];
  if (value === undefined || key === undefined) return undefined;
  if (value === 'reject' || value === 'lock') return value;
  problems.push(problem(key, `expected "reject" or "lock", got "${value}"; read as lock`));
  return 'lock';
}

export function readAnnotations(annotations: Annotations, containers: readonly string[]): WorkloadPolicies {
  const problems: AnnotationProblem[] = [];
  const policies = new Map<string, Policy>();
  for (const container of containers) {
    const policy = readContainer(annotations, container, problems);
    if (policy !== undefined) policies.set(container, policy);
  }
  checkKeys(annotations, containers, problems);
  const automated = readAutomated(annotations, problems);
  const lock = readLock(annotations, problems);
  // A workload-wide annotation (keel.sh/policy) is read once per container: report it once.
  const unique = new Map(problems.map((p) => [p.message, p]));
  return { automated, policies, lock, problems: [...unique.values()] };
}

/**
 * The container's policy with its filters and downgrade setting. Every annotation is read, so each
 * mistake is reported at once; any unreadable policy or filter leaves the container unautomated.
 */
function readContainer(annotations: Annotations, container: string, problems: AnnotationProblem[]): Policy | undefined {
  const found = findPolicy(annotations, container);
  if (found === undefined) {
    for (const name of Object.values(FILTER_KEYS)) {
      const key = `${TP}${name}.${container}`;
      if (annotations[key] !== undefined) problems.push(problem(key, `no policy for container "${container}" to filter`));
    }
    return undefined;
  }
  const policy = readPolicy(found, problems);
  const filters = readFilters(annotations, container, problems);
  const downgrade = readDowngrade(annotations, container, problems);
  if (policy === undefined || filters === UNREADABLE) return undefined;
  const filtered = filters === undefined ? policy : withFilters(policy, filters);
  return downgrade ? withDowngrade(filtered) : filtered;
}

function readPolicy(found: FoundPolicy, problems: AnnotationProblem[]): Policy | undefined {
  try {
    return found.parse();
  } catch (error) {
    problems.push(problem(found.key, (error as Error).message));
    return undefined;
  }
}

/** `allow-downgrade.<c>: "true"`: the user asks to follow the policy below the current tag. */
function readDowngrade(annotations: Annotations, container: string, problems: AnnotationProblem[]): boolean {
  const key = `${TP}${DOWNGRADE}.${container}`;
  const value = annotations[key];
  return value !== undefined && readBoolean(key, value, false, problems);
}

interface FoundPolicy {
  key: string;
  parse(): Policy;
}

/** The first policy annotation that names the container, in order of precedence. */
function findPolicy(annotations: Annotations, container: string): FoundPolicy | undefined {
  const own = `${TP}tag.${container}`;
  if (annotations[own] !== undefined) return { key: own, parse: () => cachedPolicy(annotations[own] ?? '') };
  const fluxKeys = [`filter.fluxcd.io/${container}`, ...FLUX_PREFIXES.map((prefix) => `${prefix}tag.${container}`)];
  const flux = fluxKeys.find((key) => annotations[key] !== undefined);
  if (flux !== undefined) return { key: flux, parse: () => parseFluxPolicy(annotations[flux] ?? '') };
  const keel = annotations[KEEL_POLICY];
  if (keel === undefined || keel.trim().toLowerCase() === 'never') return undefined;
  const matchPreRelease = annotations[KEEL_MATCH_PRERELEASE];
  if (matchPreRelease !== undefined && matchPreRelease !== 'true' && matchPreRelease !== 'false') {
    return {
      key: KEEL_MATCH_PRERELEASE,
      parse: () => {
        throw new Error(`expected "true" or "false", got "${matchPreRelease}"`);
      },
    };
  }
  return { key: KEEL_POLICY, parse: () => parseKeelPolicy(keel, annotations[KEEL_MATCH_TAG] === 'true', matchPreRelease !== 'false') };
}

const FLUX_KINDS = /^(semver|glob|regexp|regex):/;

/** Flux v1: `semver:`, `glob:`, `regexp:`, `regex:`; no prefix means glob. Source stays as written. */
export function parseFluxPolicy(text: string): Policy {
  const trimmed = text.trim();
  if (FLUX_KINDS.test(trimmed)) return cachedPolicy(trimmed);
  return { ...cachedPolicy(`glob:${trimmed}`), source: trimmed };
}

const KEEL_RELATIVE = new Set(['all', 'major', 'minor', 'patch']);

/**
 * Keel: `all`, `major`, `minor`, `patch` are relative to the current tag; `glob:`/`regexp:` as
 * ours; `force` takes the newest build of any tag, or with `keel.sh/match-tag: "true"` follows the
 * current tag by digest. Keel reads everything after `-` as a prerelease and, with
 * `keel.sh/matchPreRelease` (default true), keeps it: our same-variant rule. `"false"` takes any
 * variant and any prerelease.
 */
export function parseKeelPolicy(text: string, matchTag: boolean, matchPreRelease = true): Policy {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  if (KEEL_RELATIVE.has(lower)) return matchPreRelease ? { ...cachedPolicy(lower), source: trimmed } : cachedPolicy(`${lower} variant=any prerelease=any`);
  if (lower === 'force') return { ...cachedPolicy(matchTag ? 'digest' : 'glob:*'), source: matchTag ? 'force (match-tag)' : trimmed };
  if (/^(glob|regexp):/.test(trimmed)) return cachedPolicy(trimmed);
  throw new Error(`unknown Keel policy "${trimmed}" (expected all, major, minor, patch, force, never, glob: or regexp:)`);
}

const UNREADABLE = Symbol('unreadable');

/** The container's filters; any bad one makes them unreadable (fail closed: no unfiltered updates). */
function readFilters(annotations: Annotations, container: string, problems: AnnotationProblem[]): TagFilters | undefined | typeof UNREADABLE {
  let filters: TagFilters | undefined;
  let unreadable = false;
  for (const [field, name] of Object.entries(FILTER_KEYS) as [keyof FilterTexts, string][]) {
    const own = `${TP}${name}.${container}`;
    const key = field === 'signature' && annotations[own] === undefined ? `${TP}${WORKLOAD_SIGNATURE}` : own;
    const value = annotations[key];
    if (value === undefined) continue;
    try {
      filters = { ...(filters ?? NO_FILTERS), ...parseFilter(field, value) };
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      problems.push(problem(key, `${error.message}; container "${container}" is not automated until this is fixed`));
      unreadable = true;
    }
  }
  return unreadable ? UNREADABLE : filters;
}

function readAutomated(annotations: Annotations, problems: AnnotationProblem[]): boolean {
  const own = annotations[`${TP}automated`];
  if (own !== undefined) return readBoolean(`${TP}automated`, own, false, problems);
  if (FLUX_PREFIXES.some((prefix) => annotations[`${prefix}automated`] === 'true')) return true;
  const keel = annotations[KEEL_POLICY];
  return keel !== undefined && keel.trim().toLowerCase() !== 'never';
}

function readBoolean(key: string, value: string, fallback: boolean, problems: AnnotationProblem[]): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  problems.push(problem(key, `expected "true" or "false", got "${value}"; read as ${fallback}`));
  return fallback;
}

export function readLock(annotations: Annotations, problems: AnnotationProblem[]): Lock {
  const own = readLockAt(annotations, lockKeys(), problems);
  if (own.locked || annotations[`${TP}locked`] !== undefined) return own;
  for (const prefix of FLUX_PREFIXES) {
    if (annotations[`${prefix}locked`] === 'true') return lock(annotations[`${prefix}locked_user`], annotations[`${prefix}locked_msg`], undefined);
  }
  return UNLOCKED;
}

function readLockAt(annotations: Annotations, keys: ReturnType<typeof lockKeys>, problems: AnnotationProblem[]): Lock {
  const own = annotations[keys.locked];
  if (own === undefined) return UNLOCKED;
  // An unreadable lock value counts as locked: when in doubt, the bot keeps its hands off.
  if (!readBoolean(keys.locked, own, true, problems)) return UNLOCKED;
  return lock(annotations[keys.by], annotations[keys.reason], readLockedAt(annotations, keys.at, problems));
}

function readLockedAt(annotations: Annotations, key: string, problems: AnnotationProblem[]): string | undefined {
  const at = annotations[key];
  if (at !== undefined && Number.isNaN(Date.parse(at))) problems.push(problem(key, `"${at}" is not a date (expected RFC 3339, e.g. 2026-01-31T12:00:00Z)`));
  return at;
}

/** Always all four keys, `undefined` when not annotated: the shape callers compare against. */
function lock(by: string | undefined, reason: string | undefined, at: string | undefined): Lock {
  return { locked: true, by, reason, at };
}

/** Typos in tagpilot.io keys and annotations for containers that do not exist are problems. */
function checkKeys(annotations: Annotations, containers: readonly string[], problems: AnnotationProblem[]): void {
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(TP)) continue;
    const name = key.slice(TP.length);
    if (WORKLOAD_KEYS.includes(name)) continue;
    const dot = name.indexOf('.');
    const kind = dot < 0 ? name : name.slice(0, dot);
    if (!CONTAINER_KEYS.includes(kind) || dot < 0) {
      problems.push(problem(key, 'unknown tagpilot.io annotation'));
    } else if (!containers.includes(name.slice(dot + 1))) {
      problems.push(problem(key, `no container named "${name.slice(dot + 1)}"`));
    }
  }
}

/** The latest instant a Date holds: an unreadable freeze holds until it is fixed. */
const FOREVER_MS = 8.64e15;

/**
 * A workload's `tagpilot.io/freeze` windows (`;`-separated). An unreadable value is a problem and
 * freezes the workload until it is fixed: in doubt, the bot keeps its hands off.
 */
export function readFreezeAnnotation(annotations: Annotations): { windows: FreezeWindow[]; problem?: AnnotationProblem } {
  const key = ANNOTATION_KEYS.freeze;
  const value = annotations[key];
  if (value === undefined) return { windows: [] };
  try {
    return { windows: parseFreezeList(value) };
  } catch (error) {
    return { windows: [unreadableFreeze(`${key} (unreadable)`)], problem: problem(key, `${(error as Error).message}; frozen until this is fixed`) };
  }
}

/** A window that always holds: what an unreadable freeze setting is read as. */
export function unreadableFreeze(text: string): FreezeWindow {
  return { text, rule: { kind: 'range', startMs: -FOREVER_MS, endMs: FOREVER_MS } };
}
