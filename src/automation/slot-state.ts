/**
 * Where each automated slot stands after a plan: what it holds, what its policy would pick, and
 * why it does not move when it does not. Pure: the status page, metrics and the CLI read it.
 */
import { parseImageRef, repositoryName } from '../image/index.ts';
import type { ImageSlot } from '../manifests/index.ts';
import { selectTag, type OnRevert, type Selection } from '../policy/index.ts';
import type { Code } from '../problems/index.ts';
import { RejectedTags } from './rejections.ts';
import { holdOf, type FreezeSource, type Hold, type HoldCode } from './holds.ts';
import type { Problem, SlotPlace } from './types.ts';
import { isProblem, tagSourceRef, type KnownTags, type SlotUpdate } from './update.ts';
import { waitingForSlot } from './waiting.ts';

/**
 * Why a slot that could move does not: a person locked it, it waits out a window or a minimum
 * age, a person turned the candidate down, the newer tag is out of the policy's range or only in
 * another variant, or something (often a registry) failed for it.
 */
export type HoldKind = 'locked' | 'frozen' | 'soaking' | 'rejected' | 'out-of-range' | 'other-variant' | 'registry' | 'problem';

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
  /**
   * The plan's one hold per held slot (holds.ts): when given, it is the whole answer (a slot
   * without an entry is not held); without it, each slot's hold is worked out here.
   */
  holds?: ReadonlyMap<ImageSlot, Hold>;
  /** The selection the cycle made per slot; without one, the slot's policy selects again. */
  selections?: ReadonlyMap<ImageSlot, Selection>;
  freezes?: readonly FreezeSource[];
  onRevert?: OnRevert;
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
  const held = inputs.holds === undefined ? holdHere(slot, decided, inputs) : inputs.holds.get(slot);
  const candidate = held?.candidate ?? decided?.change.to;
  const withCandidate = candidate === undefined ? state : { ...state, candidate };
  return held === undefined ? withCandidate : { ...withCandidate, hold: fromHold(held) };
}

/** The slot's hold worked out from its own selection, for callers that have no plan. */
function holdHere(slot: ImageSlot, decided: SlotUpdate | undefined, inputs: SlotStateInputs): Hold | undefined {
  const ctx = { rejected: inputs.rejected ?? new RejectedTags(), now: inputs.now, freezes: inputs.freezes ?? [], onRevert: inputs.onRevert ?? 'reject' };
  const tagsFor = inputs.tagsFor(slot);
  const moving = decided !== undefined;
  return holdOf(slot, decided?.change, moving ? {} : waitingForSlot(slot, moving, inputs.selections?.get(slot) ?? selectionOf(slot, tagsFor, inputs.now), tagsFor, inputs.now), ctx);
}

function selectionOf(slot: ImageSlot, tagsFor: KnownTags, now: Date): Selection | undefined {
  if (slot.policy === undefined) return undefined;
  try {
    const ref = tagSourceRef(slot);
    const tags = tagsFor(ref);
    return tags instanceof Error ? undefined : selectTag(slot.policy, tags, { tag: ref.tag, digest: ref.digest }, { now });
  } catch {
    return undefined;
  }
}

const KINDS: Record<HoldCode, HoldKind> = { locked: 'locked', frozen: 'frozen', 'tag-rejected': 'rejected', soaking: 'soaking', 'out-of-range': 'out-of-range', 'other-variant': 'other-variant' };

/** A hold the plan made (docs/operations.md), as the status page shows it. */
function fromHold(held: Hold): SlotHold {
  const hold: SlotHold = { kind: KINDS[held.code], code: held.code, reason: held.reason ?? held.message };
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
