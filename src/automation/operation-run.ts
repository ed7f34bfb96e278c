/**
 * An operation through the cycle's own path: fetch → read the slots at the head → decide the
 * edits → edit byte-exactly → commit → push as a compare-and-swap; a push that loses the race is
 * recomputed on the new head after a jittered wait, like the cycle's (invariant 4).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { branchRef, PushRejected, type GitAuthor } from '../git/index.ts';
import { editFiles, type ImageSlot, type NamedPolicy, type SourceFile } from '../manifests/index.ts';
import { timerDelay } from '../policy/index.ts';
import type { RepositorySession } from './ports.ts';
import { readSlots, readText } from './read.ts';
import { retryDelay } from './cycle.ts';
import { refused, type OperationPlan } from './operations.ts';
import { DEFAULT_HISTORY_COMMITS } from './revert-history.ts';
import type { HistoryCommit } from './reverts.ts';
import type { Problem } from './types.ts';
import { MAX_SETTINGS_BYTES } from './repo-settings.ts';

export interface OperationDeps {
  repo: RepositorySession;
  branch: string;
  paths: readonly string[];
  /** The commit's author: the person, else the automation's identity. */
  author: GitAuthor;
  log: Logger;
  namedPolicies?: ReadonlyMap<string, NamedPolicy>;
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<unknown>;
  now?: () => Date;
  signal?: AbortSignal;
}

/** What the operation decides at a head: from the slots there and the branch's history (read only when asked). */
export type Decide = (slots: readonly ImageSlot[], history: () => Promise<HistoryCommit[]>, read: (path: string) => Promise<string | undefined>) => OperationPlan | Promise<OperationPlan>;

export interface OperationOutcome {
  /** Our commit, once the branch holds it; undefined when there was nothing to change. */
  commit?: string;
  plan: OperationPlan;
  attempts: number;
}

export async function runOperation(deps: OperationDeps, decide: Decide): Promise<OperationOutcome> {
  const maxAttempts = deps.maxAttempts ?? 5;
  const wait = deps.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    const head = (await deps.repo.fetch([deps.branch], deps.signal)).get(deps.branch);
    if (head === undefined) throw refused(`${deps.repo.description} has no branch ${deps.branch}`);
    const found = await readSlots(deps.repo, head, deps.paths, { namedPolicies: deps.namedPolicies });
    const plan = await decide(
      found.slots,
      () => deps.repo.firstParents(head, DEFAULT_HISTORY_COMMITS, deps.signal),
      (path) => readSettingsText(deps.repo, head, path),
    );
    const files = await editedFiles(deps.repo, found.files, plan);
    if (files.size === 0) return { plan, attempts: attempt };
    const create = (plan.writes ?? []).filter((w) => w.create).map((w) => w.path);
    const commit = await deps.repo.commit(head, files, plan.message, deps.author, (deps.now ?? (() => new Date()))(), { create });
    try {
      await deps.repo.push(commit, { ref: branchRef(deps.branch), expected: head }, deps.signal);
      deps.log.info({ commit, attempt }, 'operation pushed');
      return { commit, plan, attempts: attempt };
    } catch (error) {
      if (!(error instanceof PushRejected) || attempt >= maxAttempts) throw error;
      const ms = retryDelay(attempt);
      deps.log.warn({ attempt, waitMs: ms, reason: error.message }, 'operation: push refused; recomputing on the new head');
      await wait(timerDelay(ms));
    }
  }
}

/** Whether the slots at the branch's head hold `target` (a workload id, or the file of slots outside one): which automation an operation is for. */
export async function holdsTarget(deps: Pick<OperationDeps, 'repo' | 'branch' | 'paths' | 'namedPolicies' | 'signal'>, target: string): Promise<boolean> {
  const head = (await deps.repo.fetch([deps.branch], deps.signal)).get(deps.branch);
  if (head === undefined) return false;
  const found = await readSlots(deps.repo, head, deps.paths, { namedPolicies: deps.namedPolicies });
  return found.slots.some((s) => (s.workload ?? s.file) === target);
}

/** The operation's edits applied through the one edit path; a refused file refuses the operation (all or nothing). */
async function editedFiles(repo: RepositorySession, listed: ReadonlyMap<string, { path: string; oid: string; size: number }>, plan: OperationPlan): Promise<Map<string, Uint8Array>> {
  const problems: Problem[] = [];
  const paths = [...new Set(plan.edits.map((e) => ('slot' in e ? e.slot.file : e.file)))];
  const texts: SourceFile[] = [];
  for (const path of paths) {
    const file = listed.get(path);
    const text = file === undefined ? undefined : await readText(repo, file, Number.POSITIVE_INFINITY, problems);
    if (text === undefined) throw refused(`${path}: cannot be read: ${problems.map((p) => p.message).join('; ') || 'not among the files read'}`);
    texts.push(text);
  }
  const edited = editFiles(texts, plan.edits);
  if (edited.refused.length > 0) throw refused(edited.refused.map((p) => `${p.subject}: ${p.message}`).join('; '));
  const encoder = new TextEncoder();
  const files = new Map([...edited.files].map(([path, text]) => [path, encoder.encode(text)]));
  for (const w of plan.writes ?? []) files.set(w.path, encoder.encode(w.text));
  return files;
}

/** A small repository file's text at `head` (a `.tagpilot.yaml`), or undefined when there is none. */
async function readSettingsText(repo: RepositorySession, head: string, path: string): Promise<string | undefined> {
  const slash = path.lastIndexOf('/');
  const listed = (await repo.listFiles(head, [slash < 0 ? '.' : path.slice(0, slash)], (p) => p === path)).files.find((f) => f.path === path);
  if (listed === undefined) return undefined;
  return new TextDecoder('utf-8', { fatal: true }).decode(await repo.readBlob(listed, MAX_SETTINGS_BYTES));
}
