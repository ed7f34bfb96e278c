/**
 * Where each automated slot stands after a plan: what it holds, what its policy would pick, and
 * why it does not move when it does not. Pure: the status page, metrics and the CLI read it.
 */
import { parseImageRef, repositoryName } from '../image/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import { selectTag, withFilters, type TagInfo } from '../policy/index.ts';
import type { Code } from '../problems/index.ts';
import type { RejectedTags } from './rejections.ts';
import type { Hold } from './holds.ts';
import type { Problem, SlotPlace } from './types.ts';
import { isProblem, type KnownTags, type SlotUpdate } from './update.ts';

/**
 * Why a slot that could move does not: a person locked it, it waits out a window or a minimum
 * age, a person turned the candidate down, or something (often a registry) failed for it.
 */
export type HoldKind = 'locked' | 'frozen' | 'soaking' | 'rejected' | 'other-variant' | 'registry' | 'problem';

export interface SlotHold {
  kind: HoldKind;
  code: Code;
  /** In people's words; text from Git or a registry, never markup. */
  reason: string;
  /** Who locked it, when known. */
  by?: string;
  /** Since when (RFC 3339), when known: a lock's `locked-at`. */
  since?: string;
  /** Until when (RFC 3339): the end of a freeze, the moment a soaking tag is old enough. */
  until?: string;
}

export interface SlotState extends SlotPlace {
  /** What the slot holds now: `tag`, or `tag@digest` when pinned. */
  current: string;
  /** The tag the policy picks when it differs from `current` (committed this cycle, or held back). */
  candidate?: string;
  policy: string;
  hold?: SlotHold;
}

const REGISTRY_CODES: ReadonlySet<Code> = new Set<Code>([
  'registry-request-failed',
  'registry-unreachable',
  'registry-timeout',
  'rate-limited',
  'registry-auth-failed',
  'repository-not-found',
  'credentials-unavailable',
  'cloud-auth-failed',
  'credential-redirect',
  'pagination-limit',
  'listing-deadline',
  'registry-deadline',
  'response-too-large',
  'tls-failed',
  'plain-http-refused',
  'digest-missing',
]);

export interface SlotStateInputs {
  /** The tags each slot's policy chooses from (a slot's pull secrets may pick its own listing). */
  tagsFor: (slot: ImageSlot) => KnownTags;
  rejected?: RejectedTags | undefined;
  /** The plan's holds on decided changes (frozen, a rejected tag, on-revert lock), by slot. */
  holds?: ReadonlyMap<ImageSlot, Hold>;
  now: Date;
}

/** One state per automated slot, in the slots' order; `decisions[i]` is what the cycle decided for `slots[i]`. */
export function slotStates(slots: readonly ImageSlot[], decisions: readonly (SlotUpdate | Problem | undefined)[], inputs: SlotStateInputs): SlotState[] {
  return slots.map((slot, i) => slotState(slot, decisions[i], inputs));
}

function slotState(slot: ImageSlot, decided: SlotUpdate | Problem | undefined, inputs: SlotStateInputs): SlotState {
  const state = baseState(slot);
  if (slot.lock.locked) return { ...state, hold: lockHold(slot) };
  if (isProblem(decided)) return { ...state, hold: { kind: REGISTRY_CODES.has(decided.code) ? 'registry' : 'problem', code: decided.code, reason: decided.message } };
  const held = decided === undefined ? undefined : inputs.holds?.get(slot);
  if (decided !== undefined && held !== undefined) return { ...state, candidate: decided.change.to, hold: fromHold(held) };
  if (decided !== undefined) {
    const rejection = inputs.rejected?.blocking(decided.change);
    if (rejection === undefined) return { ...state, candidate: decided.change.to };
    return { ...state, candidate: decided.change.to, hold: { kind: 'rejected', code: 'tag-rejected', reason: `${decided.tag} was turned down for this slot (${rejection.source})` } };
  }
  const soaking = soakingHold(slot, inputs);
  return soaking === undefined ? state : { ...state, ...soaking };
}

/** A hold the plan made (docs/operations.md), as the status page shows it. */
function fromHold(held: Hold): SlotHold {
  const hold: SlotHold = { kind: held.code === 'frozen' ? 'frozen' : held.code === 'locked' ? 'locked' : 'rejected', code: held.code, reason: held.message };
  if (held.until !== undefined) hold.until = held.until;
  return hold;
}

function baseState(slot: ImageSlot): SlotState {
  let repository = slot.image;
  let current = '';
  try {
    const ref = parseImageRef(slot.image);
    repository = repositoryName(ref);
    current = ref.digest === undefined ? (ref.tag ?? 'latest') : `${ref.tag ?? ''}@${ref.digest}`;
  } catch {
    // An unreadable reference is reported as the slot's problem; the state shows it as written.
  }
  const state: SlotState = { file: slot.file, line: slot.line, kind: slot.kind, repository, current, policy: slot.policy?.source ?? '' };
  if (slot.workload !== undefined) state.workload = slot.workload;
  if (slot.container !== undefined) state.container = slot.container;
  return state;
}

function lockHold(slot: ImageSlot): SlotHold {
  const { by, reason, at } = slot.lock;
  const hold: SlotHold = { kind: 'locked', code: 'locked', reason: reason ?? 'locked (no reason given)' };
  if (by !== undefined) hold.by = by;
  if (at !== undefined) hold.since = at;
  return hold;
}

/**
 * A slot that stays only because a newer tag is younger than the policy's minimum age: the tag
 * the policy would pick without that filter, and when it will be old enough.
 */
function soakingHold(slot: ImageSlot, inputs: SlotStateInputs): { candidate: string; hold: SlotHold } | undefined {
  const policy = slot.policy;
  const minAgeMs = policy?.filters.minAgeMs;
  if (policy === undefined || minAgeMs === undefined) return undefined;
  let tags: TagInfo[] | Error;
  let current: { tag?: string; digest?: string };
  try {
    const ref = parseImageRef(slot.image);
    tags = inputs.tagsFor(slot)(ref);
    current = { tag: ref.tag, digest: ref.digest };
  } catch {
    return undefined;
  }
  if (tags instanceof Error) return undefined;
  const { minAgeMs: _, minAge: __, ...rest } = policy.filters;
  const unsoaked = selectTag(withFilters(policy, rest), tags, current, { now: inputs.now });
  if (!unsoaked.changed || unsoaked.selected === null) return undefined;
  const created = tags.find((t) => t.tag === unsoaked.selected)?.created;
  const hold: SlotHold = { kind: 'soaking', code: 'soaking', reason: `${unsoaked.selected} is younger than the minimum age (${policy.filters.minAge ?? `${minAgeMs} ms`})` };
  if (created !== undefined) hold.until = new Date(created.getTime() + minAgeMs).toISOString();
  return { candidate: unsoaked.selected, hold };
}
