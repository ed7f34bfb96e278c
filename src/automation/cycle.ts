import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { pushTarget, PushRejected, type GitAuthor, type PushTarget } from '../git/index.ts';
import { canonicalRepository, repositoryName, type ImageRef } from '../image/index.ts';
import { editFiles, commitSubject, type ImageSlot, type NamedPolicy } from '../manifests/index.ts';
import { ordersByBuildTime, policyNeeds, type FreezeWindow, type OnRevert, summariseRejections, timerDelay, type PolicyNeeds, type Selection, type ReasonSummary } from '../policy/index.ts';
import { fileProblem, throwIfCancelled } from '../problems/index.ts';
import { backoffDelay, TagLookup, type DockerConfig, type TagQuery } from '../registry/index.ts';
import { findAt } from './found.ts';
import { commitMessage, type MessageFormat } from './message.ts';
import type { FileSource, RepositorySession, TagSource } from './ports.ts';
import { DEFAULT_READ_LIMITS, readText, type HeldBudget, type RepoSlots } from './read.ts';
import type { Change, Notice, Problem, SignatureRejection } from './types.ts';
import { isProblem, pinsDigest, tagSourceRef, type SlotUpdate } from './update.ts';
import type { RejectedTags, RejectedTag } from './rejections.ts';
import { holdOf, lockHold, type FreezeSource, type Hold } from './holds.ts';
import { waitingForSlot, type Waiting, type WaitingMemo } from './waiting.ts';
import { DEFAULT_HISTORY_COMMITS, revertRejections } from './revert-history.ts';
import { readRepoSettings } from './repo-settings.ts';
import { decideSigned, type SignatureDeps } from './signed.ts';
import { slotStates, type SlotState } from './slot-state.ts';

export interface CycleDeps {
  repo: RepositorySession;
  tags: TagSource;
  /** The branch read (and written, unless `pushBranch` is set). */
  branch: string;
  /** Commits go here instead (a review flow); while it exists, edits build on its head. */
  pushBranch?: string;
  /** Repo-relative folders (or files) to read manifests from. */
  paths: readonly string[];
  author: GitAuthor;
  /** Policies named in the config, for `$imagepolicy` markers. */
  namedPolicies?: ReadonlyMap<string, NamedPolicy>;
  log: Logger;
  /** Push attempts before giving up on a branch that keeps moving. */
  maxAttempts?: number;
  /** The commit message format (default: `commitMessage`). */
  message?: MessageFormat;
  /** Waits between attempts (tests pass a recorder). */
  sleep?: (ms: number) => Promise<unknown>;
  /** Tags people turned down per slot (a pull request closed unmerged): never selected. The branch's history adds its own (reverts, hand edits, releases, rollbacks). */
  rejected?: RejectedTags;
  /** Commits of history the revert rule reads (default 1,000). */
  historyCommits?: number;
  /** What a revert does where a slot does not say (`tagpilot.io/on-revert`): reject the tag (default), or hold the slot. */
  onRevert?: OnRevert;
  /** The automation's own freeze windows (the controller config's). */
  freeze?: readonly FreezeWindow[];
  /** The registry phase of each plan ends by then (default 60 s): what has not answered is its own slots' problem. */
  registryDeadlineMs?: number;
  /** Signature checks and the config's rules, when the config has signature policies. */
  signatures?: SignatureDeps;
  /** More branches fetched with the read branch, in the same fetch (a review branch); their heads are in the plan. */
  fetchAlso?: readonly string[];
  /**
   * A review branch per workload or group: the decided changes split into parts (disjoint, by
   * key), each edited on its own from the same head into `Plan.parts`. A change left out of every
   * part is not edited this cycle (the caller says why).
   */
  partition?: (changes: readonly Change[]) => ReadonlyMap<string, readonly Change[]>;
  /** The clock: minimum ages are measured and commits dated by it (default: the system's). */
  now?: () => Date;
  /** Stops the cycle at its next step, registry and Git requests in flight included. */
  signal?: AbortSignal;
  /** A file larger than this is skipped, never read (default 256 KiB). */
  maxFileBytes?: number;
  /** Bytes of files read per cycle (default 64 MiB); files past it are skipped with a problem. */
  maxCycleBytes?: number;
  /**
   * The text whose parses a cycle holds for its edits, taken while it plans: the automations of a
   * controller share one, a one-shot command has its own (default: HELD_TEXT_CHARS for the cycle).
   */
  heldParses?: HeldBudget;
  /** Say, per automated slot, why the other tags were not picked (`plan --explain`). */
  explain?: boolean;
  /**
   * A workload's own registry credentials (in a cluster: its imagePullSecrets and its
   * ServiceAccount's), by workload id; its slots' images are listed with them. Never throws: no
   * answer leaves the configured credentials in charge.
   */
  pullSecrets?: (workload: string) => Promise<PullAuths | undefined>;
}

/** The `auths` of a Docker config: what a pull secret gives the registry client. */
export type PullAuths = Pick<DockerConfig, 'auths'>;

/** Why a slot holds or moves: the outcome and, per reason, how many tags and the highest few. */
export interface SlotExplanation {
  subject: string;
  image: string;
  policy: string;
  selected: string | null;
  changed: boolean;
  why?: string;
  reasons: ReasonSummary[];
}

export interface Plan {
  /** The remote head the plan was computed on. */
  head: string;
  /** The heads fetched, by branch (those the remote has). */
  heads: Record<string, string>;
  /** Where the commit goes, and the head it must replace there. */
  target: PushTarget;
  changes: Change[];
  problems: Problem[];
  /** Worth telling, not failures (a marker that is not ours, a bad digest replaced): never counted with the problems. */
  notices: Notice[];
  /** Workloads skipped because they are locked. */
  locked: string[];
  /** Every automated slot: what it holds, the candidate, and why it holds when it does. */
  slots: SlotState[];
  /** Slots that do not move, and why: locked, frozen, or a tag a person rejected (docs/operations.md). */
  holds: Hold[];
  /** The rejections in force (from history and closed pull requests), for `plan` and the status page. */
  rejections: RejectedTag[];
  /** Candidates a signature policy refused (unsigned, bad-signature); an older signed tag may have been taken. */
  signatureRejections?: SignatureRejection[];
  /** New contents of the changed files (empty with `partition`: each part has its own). */
  files: Map<string, Uint8Array>;
  /** With `partition`: each part's changes, edited files and commit subject, by key. */
  parts?: Map<string, PlanPart>;
  /** A commit subject the repository asks for (a Flux ImageUpdateAutomation's messageTemplate). */
  subject?: string;
  /** With `explain`: one entry per automated, unlocked slot. */
  explanations?: SlotExplanation[];
}

/** One part of a partitioned plan: its own changes on the plan's head. */
export interface PlanPart {
  changes: Change[];
  files: Map<string, Uint8Array>;
  subject?: string;
}

export interface CycleReport extends Omit<Plan, 'files' | 'parts'> {
  /** Our commit, present only once the remote branch holds it. */
  commit?: string;
  attempts: number;
}

/** Sync, find slots, ask each repository once, select and edit: everything but the commit. */
export async function plan(deps: CycleDeps, tags: TagLookup = tagLookup(deps)): Promise<Plan> {
  const { signal } = deps;
  throwIfCancelled(signal, 'cycle');
  const now = (deps.now ?? (() => new Date()))();
  const { head, target, heads } = await syncTarget(deps);
  const limits = { maxFileBytes: deps.maxFileBytes ?? DEFAULT_READ_LIMITS.maxFileBytes, maxCycleBytes: deps.maxCycleBytes ?? DEFAULT_READ_LIMITS.maxCycleBytes };
  const found = await findAt(deps, head, limits);
  try {
    return await planFound(deps, tags, { head, target, heads }, found, limits, now);
  } finally {
    found.release?.(); // the parses held for the edits
  }
}

/** The plan once the slots at `head` are found: tag lists, decisions, edits. */
async function planFound(deps: CycleDeps, tags: TagLookup, { head, target, heads }: Awaited<ReturnType<typeof syncTarget>>, found: RepoSlots, limits: { maxFileBytes: number; maxCycleBytes: number }, now: Date): Promise<Plan> {
  const { signal } = deps;
  const problems = found.problems;
  throwIfCancelled(signal, 'cycle');

  const automated = found.slots.filter((s) => s.policy !== undefined);
  const locked = [...new Set(automated.filter((s) => s.lock.locked).map((s) => s.workload ?? s.file))];
  const unlocked = automated.filter((s) => !s.lock.locked);
  const holds: Hold[] = automated.filter((s) => s.lock.locked).map(lockHold);
  const heldBy = new Map<ImageSlot, Hold>();
  const rejected = await rejectionsAt(deps, head, found.slots);
  const repo = await readRepoSettings(deps.repo, head, deps.paths, problems);
  const context = { rejected, now, onRevert: deps.onRevert ?? 'reject', repoOnRevert: repo.onRevert, freezes: [...repo.freezes, ...configFreeze(deps)] };
  const credentials = await slotCredentials(unlocked, deps.pullSecrets);
  const known = await tags.fetch(tagQueries(unlocked, credentials), signal);
  throwIfCancelled(signal, 'cycle');

  const updates: SlotUpdate[] = [];
  const signatureRejections: SignatureRejection[] = [];
  const tagSource = (slot: ImageSlot) => (ref: ImageRef) => known.get(queryKey(ref, credentials.get(slot))) ?? new Error(`${repositoryName(ref)}: no tags fetched`);
  // From the last selection per slot (a signature policy may select again): what waits behind it, and what --explain shows.
  // Only these are kept, not the selection: its rejections (one per tag, 9,000 on a big image) would live as long as the plan.
  const waits = new Map<ImageSlot, Waiting>();
  const memo: WaitingMemo = new WeakMap();
  const explained = new Map<ImageSlot, SlotExplanation>();
  const explainer = (slot: ImageSlot) => (selection: Selection) => {
    if (!slot.lock.locked) waits.set(slot, waitingForSlot(slot, false, selection, tagSource(slot), now, memo));
    if (deps.explain === true) explained.set(slot, explanation(slot, selection));
  };
  const decisions = await Promise.all(automated.map((slot) => decideSigned(slot, tagSource(slot), deps.signatures, signatureRejections, now, explainer(slot))));
  for (const [i, decided] of decisions.entries()) {
    const slot = automated[i]!;
    if (isProblem(decided)) problems.push(decided);
    if (isProblem(decided) || slot.lock.locked) continue;
    // Frozen, or a tag a person turned down for this slot: the slot holds, and says why; one that stays says what waits.
    const hold = holdOf(slot, decided?.change, decided === undefined ? (waits.get(slot) ?? {}) : {}, context);
    if (hold === undefined) {
      if (decided !== undefined) updates.push(decided);
      continue;
    }
    holds.push(hold);
    heldBy.set(slot, hold);
  }
  for (const r of signatureRejections) deps.log.warn({ slot: r.subject, repository: r.repository, tag: r.tag, reason: r.reason, detail: r.detail }, 'candidate refused by its signature policy');
  const parts = deps.partition === undefined ? undefined : await editParts(deps.repo, found, limits.maxFileBytes, updates, problems, deps.partition);
  const { files, changes } = parts === undefined ? await edit(deps.repo, found, limits.maxFileBytes, updates, problems) : { files: new Map<string, Uint8Array>(), changes: sortChanges([...parts.values()].flatMap((p) => p.changes)) };
  const subject = commitSubject(
    found.fluxAutomations,
    changes.map((c) => c.file),
  );
  const explanations = automated.map((slot) => explained.get(slot)).filter((e): e is SlotExplanation => e !== undefined);
  const slots = slotStates(automated, decisions, { tagsFor: tagSource, rejected, holds: heldBy, now });
  return { head, heads, target, changes, problems, notices: found.notices, locked, slots, holds, rejections: rejected.list(), signatureRejections, files, ...(parts === undefined ? {} : { parts }), ...(subject === undefined ? {} : { subject }), ...(deps.explain === true ? { explanations } : {}) };
}

/** The rejections the branch's history gives at `head`, with those passed in (closed pull requests) added. */
async function rejectionsAt(deps: CycleDeps, head: string, slots: readonly ImageSlot[]): Promise<RejectedTags> {
  const derived = await revertRejections(deps.repo, head, slots, deps.historyCommits ?? DEFAULT_HISTORY_COMMITS, deps.signal);
  for (const r of deps.rejected?.list() ?? []) derived.add(r);
  return derived;
}

function configFreeze(deps: CycleDeps): FreezeSource[] {
  return deps.freeze === undefined || deps.freeze.length === 0 ? [] : [{ source: "the automation's config", windows: deps.freeze }];
}

function explanation(slot: ImageSlot, selection: Selection): SlotExplanation {
  const subject = `${slot.file}:${slot.line}${slot.workload === undefined ? '' : ` ${slot.workload}`}${slot.container === undefined ? '' : ` ${slot.container}`}`;
  const found: SlotExplanation = { subject, image: slot.image, policy: slot.policy?.source ?? '', selected: selection.selected, changed: selection.changed, reasons: summariseRejections(selection.rejected) };
  if (selection.why !== undefined) found.why = selection.why;
  return found;
}

/** Fetches the branches and picks the head to build on and the push target (invariant 4: the push replaces exactly that head). */
async function syncTarget(deps: CycleDeps): Promise<{ head: string; target: PushTarget; heads: Record<string, string> }> {
  const branches = [...new Set([deps.branch, ...(deps.pushBranch === undefined ? [] : [deps.pushBranch]), ...(deps.fetchAlso ?? [])])];
  const heads = await deps.repo.fetch(branches, deps.signal);
  const { base, target } = pushTarget(heads, deps.branch, deps.pushBranch, `${deps.repo.description} (${deps.branch})`);
  return { head: base, target, heads: Object.fromEntries(heads) };
}

/**
 * One cycle: plan, commit, push. A refused push (a lost race, or a hook) is followed by a fetch, a
 * recompute on the new head and another push after a short jittered wait: bounded, seconds in all.
 */
export async function runCycle(deps: CycleDeps): Promise<CycleReport> {
  const maxAttempts = deps.maxAttempts ?? 5;
  const format = deps.message ?? commitMessage;
  const wait = deps.sleep ?? sleep;
  const now = deps.now ?? (() => new Date());
  const tags = tagLookup(deps);
  for (let attempt = 1; ; attempt++) {
    const { files, ...planned } = await plan(deps, tags);
    if (planned.changes.length === 0) return { ...planned, attempts: attempt };
    throwIfCancelled(deps.signal, 'cycle');
    const commit = await deps.repo.commit(planned.head, files, format(planned.changes, planned.subject), deps.author, now());
    try {
      const { confirmedBy } = await deps.repo.push(commit, planned.target, deps.signal);
      deps.log.info({ commit, changes: planned.changes.length, attempt, confirmedBy }, confirmedBy === 'report' ? 'pushed' : 'pushed: the answer was lost, the branch read back holds our commit');
      return { ...planned, commit, attempts: attempt };
    } catch (error) {
      // A lost race and a refusal (a hook, a protected branch; some pass on a second try, e.g. a
      // maintenance lock) both get a fresh fetch and recompute, bounded to seconds in all.
      if (!(error instanceof PushRejected) || attempt >= maxAttempts) throw error;
      const ms = retryDelay(attempt);
      const why = error.lostRace ? 'lost the push race' : 'push refused by the remote';
      if (error.lostRace) tags.expire(); // the winner may have seen newer tags: ask again, past every cache
      deps.log.warn({ attempt, waitMs: ms, reason: error.message }, `${why}; recomputing on the new head`);
      await wait(timerDelay(ms));
    }
  }
}

/**
 * A random wait between half and all of an exponential cap (0.25 s, 0.5 s, 1 s, 2 s, then 4 s):
 * replicas that collide spread out, and five attempts (four waits) wait under four seconds at worst.
 */
export function retryDelay(attempt: number, random = Math.random): number {
  return Math.round(backoffDelay(attempt - 1, 250, 4_000, random));
}

/** A cycle's registry questions, asked once per repository across its attempts (see TagLookup). */
export function tagLookup(deps: CycleDeps): TagLookup {
  return new TagLookup(deps.tags, { deadlineMs: deps.registryDeadlineMs, onWarning: (repository, warning) => deps.log.warn({ repository, warning }, 'registry warning') });
}

interface SlotCredentials {
  /** Distinguishes one set of pull secrets from another in query keys (a digest, never the secret). */
  key: string;
  auths: PullAuths;
}

/** Workloads whose pull secrets are looked up at once. */
const PULL_SECRET_LOOKUPS = 8;

/** Each slot's workload's own credentials, looked up once per workload, a few at a time. */
async function slotCredentials(slots: readonly ImageSlot[], lookup: CycleDeps['pullSecrets']): Promise<Map<ImageSlot, SlotCredentials>> {
  const found = new Map<ImageSlot, SlotCredentials>();
  if (lookup === undefined) return found;
  const workloads = [...new Set(slots.flatMap((s) => (s.workload === undefined ? [] : [s.workload])))];
  const byWorkload = new Map<string, SlotCredentials>();
  for (let i = 0; i < workloads.length; i += PULL_SECRET_LOOKUPS) {
    await Promise.all(
      workloads.slice(i, i + PULL_SECRET_LOOKUPS).map(async (w) => {
        const auths = await lookup(w);
        if (auths !== undefined) byWorkload.set(w, { key: createHash('sha256').update(JSON.stringify(auths)).digest('hex').slice(0, 16), auths });
      }),
    );
  }
  for (const s of slots) {
    const c = s.workload === undefined ? undefined : byWorkload.get(s.workload);
    if (c !== undefined) found.set(s, c);
  }
  return found;
}

/** A repository is asked once per set of credentials: with its slots' pull secrets, or the configured ones. */
function queryKey(ref: ImageRef, credentials: SlotCredentials | undefined): string {
  return credentials === undefined ? canonicalRepository(ref) : `${canonicalRepository(ref)}#${credentials.key}`;
}

/**
 * One question per repository (by canonical name, however the slots write it) and set of
 * credentials, for what the slots' policies need together. A failing repository becomes its
 * slots' problem, nothing more.
 */
function tagQueries(slots: readonly ImageSlot[], credentials: ReadonlyMap<ImageSlot, SlotCredentials> = new Map()): Map<string, TagQuery> {
  const wanted = new Map<string, { ref: ImageRef; needs: PolicyNeeds; digestsFor: Set<string>; expected: Set<string>; pullSecrets?: PullAuths }>();
  for (const slot of slots) {
    let ref: ImageRef;
    try {
      ref = tagSourceRef(slot);
    } catch {
      continue; // reported per slot by decideSlot
    }
    const own = credentials.get(slot);
    const key = queryKey(ref, own);
    const entry = wanted.get(key) ?? { ref, needs: { created: false, digests: false, platforms: false }, digestsFor: new Set<string>(), expected: new Set<string>(), ...(own === undefined ? {} : { pullSecrets: own.auths }) };
    const needs = slot.policy === undefined ? undefined : policyNeeds(slot.policy);
    if (needs !== undefined) entry.needs = anyNeeds(entry.needs, needs);
    // A slot that keeps a digest (pinned, or a digest field) gets the new tag's digest written with it.
    if (needs !== undefined && pinsDigest(slot, ref)) entry.needs = anyNeeds(entry.needs, { created: false, digests: true, platforms: false });
    // A policy following a tag by digest needs that tag's digest as it is now, not as cached.
    if (needs?.digests === true && ref.tag !== undefined) entry.digestsFor.add(ref.tag);
    // Ranked by build time, the current tag needs its list entry: missing, the list is asked for again.
    if (slot.policy !== undefined && ordersByBuildTime(slot.policy) && ref.tag !== undefined) entry.expected.add(ref.tag);
    wanted.set(key, entry);
  }
  return new Map([...wanted].map(([key, e]) => [key, { ref: e.ref, needs: e.needs, digestsFor: [...e.digestsFor], expected: [...e.expected], ...(e.pullSecrets === undefined ? {} : { pullSecrets: e.pullSecrets }) }]));
}

function anyNeeds(a: PolicyNeeds, b: PolicyNeeds): PolicyNeeds {
  return { created: a.created || b.created, digests: a.digests || b.digests, platforms: a.platforms || b.platforms };
}

/** Edited files held for the commit, at most: later edits wait for the next cycle. */
export const MAX_EDITED_BYTES = 16 * 1024 * 1024;

/**
 * The decided updates as edited files, one file at a time: each file with updates is read again
 * and goes through the one edit path (manifests' editFiles); only the new bytes are kept. A
 * refused edit's change is dropped with it; the file's other edits stand.
 */
async function edit(source: FileSource, found: Pick<RepoSlots, 'files' | 'held'>, maxFileBytes: number, updates: readonly SlotUpdate[], problems: Problem[], budget = { held: 0 }): Promise<{ files: Map<string, Uint8Array>; changes: Change[] }> {
  const encoder = new TextEncoder();
  const files = new Map<string, Uint8Array>();
  const changes: Change[] = [];
  for (const [path, fileUpdates] of [...Map.groupBy(updates, (u) => u.change.file)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const file = found.files.get(path);
    if (file === undefined) continue;
    if (budget.held + file.size > MAX_EDITED_BYTES) {
      problems.push(fileProblem('edit-bytes-limit', path, `edit left for the next cycle: this cycle already edits ${budget.held} bytes of files (at most ${MAX_EDITED_BYTES})`));
      continue;
    }
    // Read and parsed when its slots were found, if the read held it; else read again.
    const text = found.held?.get(path) ?? (await readText(source, file, maxFileBytes, problems));
    if (text === undefined) continue;
    const edited = editFiles(
      [text],
      fileUpdates.map((u) => u.edit),
    );
    problems.push(...edited.refused);
    const next = edited.files.get(path);
    if (next !== undefined) {
      const bytes = encoder.encode(next);
      budget.held += bytes.length;
      files.set(path, bytes);
    }
    changes.push(...fileUpdates.filter((u) => edited.applied.has(u.edit)).map((u) => u.change));
  }
  return { files, changes: sortChanges(changes) };
}

function sortChanges(changes: Change[]): Change[] {
  return changes.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

/**
 * Each part's updates edited on their own (a file two parts touch is edited once for each), all
 * parts sharing one bound of edited bytes; the parts are disjoint, so no problem is told twice.
 */
async function editParts(source: FileSource, found: Pick<RepoSlots, 'files' | 'held' | 'fluxAutomations'>, maxFileBytes: number, updates: readonly SlotUpdate[], problems: Problem[], partition: NonNullable<CycleDeps['partition']>): Promise<Map<string, PlanPart>> {
  const byChange = new Map(updates.map((u) => [u.change, u]));
  const budget = { held: 0 };
  const parts = new Map<string, PlanPart>();
  for (const [key, changes] of partition(updates.map((u) => u.change))) {
    const own = changes.flatMap((c) => byChange.get(c) ?? []);
    const { files, changes: applied } = await edit(source, found, maxFileBytes, own, problems, budget);
    if (applied.length === 0) continue;
    const subject = commitSubject(
      found.fluxAutomations,
      applied.map((c) => c.file),
    );
    parts.set(key, { changes: applied, files, ...(subject === undefined ? {} : { subject }) });
  }
  return parts;
}
