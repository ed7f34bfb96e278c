import { setTimeout as sleep } from 'node:timers/promises';
import { commitMessage, plan, RejectedTags, retryDelay, tagLookup, type Change, type CycleDeps, type PlanPart, type Problem } from '../automation/index.ts';
import { PushRejected } from '../git/index.ts';
import { TagpilotError } from '../problems/index.ts';
import { branchName, groupKey, groupNames, groupPrefix, keyName, type BranchPer } from './branch-groups.ts';
import { addRejections, closePullRequest, ensurePullRequest, holdsAlready, humanCommit, pullRequestContent } from './review-branch.ts';
import type { BranchReport, ReviewReport, ReviewSettings } from './review-flow.ts';
import type { PullRequest, ReviewHost } from './types.ts';

/** Per workload or group: a hosting API is needed to find and close the branches' pull requests. */
export type GroupReviewSettings = ReviewSettings & { branchPer: Exclude<BranchPer, 'target'>; host: ReviewHost };

/** Review branches one automation keeps when the config does not say. */
export const DEFAULT_MAX_BRANCHES = 20;

/** The template's parts around `{group}`, with `{branch}` filled in: what tells our branches. */
interface BranchShape {
  template: string;
  target: string;
  prefix: string;
  suffix: string;
}

function shapeOf(template: string, target: string): BranchShape {
  const prefix = groupPrefix(template, target);
  const suffix = template.slice(template.indexOf('{group}') + '{group}'.length).replaceAll('{branch}', target);
  return { template, target, prefix, suffix };
}

const fits = (shape: BranchShape, head: string) => head.length > shape.prefix.length + shape.suffix.length && head.startsWith(shape.prefix) && head.endsWith(shape.suffix);

/**
 * One review cycle with a branch per workload or group. The changes are computed once, on the
 * target's head, and split by group; each group's branch is rebuilt from that head and moved by
 * a compare-and-swap on that branch only. A human commit, a refused push or a host's refusal
 * stops that branch alone (a problem naming it); a branch whose group has nothing pending any
 * more has its pull request closed. At most `maxBranches` groups get a branch; the rest wait.
 */
export async function runGroupReview(deps: CycleDeps, review: GroupReviewSettings): Promise<ReviewReport> {
  const target = deps.branch;
  const shape = shapeOf(review.branch ?? 'tagpilot/{branch}/{group}', target);
  const host = review.host;
  const [listed, closed] = await Promise.all([host.listUnder(shape.prefix, target, 'open'), host.listUnder(shape.prefix, target, 'closed')]);
  const openByHead = new Map(firstPerHead(listed.filter((pr) => fits(shape, pr.head))).map((pr) => [pr.head, pr]));
  // Closed when nothing is pending: only pull requests tagpilot opened, carrying its trailers.
  const open = [...openByHead.values()].filter((pr) => /^Tagpilot-Update: /m.test(pr.body));
  const rejected = addRejections(
    new RejectedTags(deps.rejected?.list() ?? []),
    closed.filter((pr) => fits(shape, pr.head)),
  );
  const fetched = new Set(open.map((pr) => pr.head));
  const maxAttempts = deps.maxAttempts ?? 5;
  const tags = tagLookup(deps);
  let refetched = false;
  for (let attempt = 1; ; ) {
    const grouping = partitioner(review);
    const { files: _none, parts = new Map<string, PlanPart>(), ...planned } = await plan({ ...deps, rejected, fetchAlso: [...fetched], partition: grouping.partition }, tags);
    const names = groupNames([...planned.slots.map((s) => groupKey(s, review.branchPer, review.groups)), ...parts.keys(), ...grouping.overflow.keys()]);
    const branchOf = (key: string) => branchName(shape.template, target, names.get(key));
    // A new group's branch may exist already (a closed pull request's): its head is read with the target's.
    const unfetched = [...parts.keys()].map(branchOf).filter((b) => !fetched.has(b));
    for (const b of unfetched) fetched.add(b);
    if (unfetched.length > 0 && !refetched) {
      refetched = true;
      continue;
    }
    const base = { head: planned.head, branch: shape.prefix, changes: planned.changes, notices: planned.notices, locked: planned.locked, slots: planned.slots, rejected: rejected.list(), attempts: attempt };
    const problems = [...planned.problems, ...overflowProblems(grouping.overflow, branchOf, review.maxBranches ?? DEFAULT_MAX_BRANCHES)];
    const branches: BranchReport[] = [];
    try {
      for (const [key, part] of [...parts].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const branch = branchOf(key);
        const done = await perBranch(problems, branch, () => syncPart(deps, review, { group: keyName(key), branch, head: planned.head, branchHead: planned.heads[branch], part, listed: { open: openByHead.get(branch) } }));
        if (done !== undefined) branches.push(done);
      }
    } catch (error) {
      if (!(error instanceof PushRejected) || !error.lostRace || attempt >= maxAttempts) throw error;
      deps.log.warn({ attempt, reason: error.message }, 'a review branch moved; recomputing');
      tags.expire(); // the other writer may have seen newer tags
      await (deps.sleep ?? sleep)(retryDelay(attempt));
      attempt++;
      continue;
    }
    const pending = new Set([...parts.keys(), ...grouping.overflow.keys()].map(branchOf));
    for (const pr of open.filter((p) => !pending.has(p.head))) {
      const done = await perBranch(problems, pr.head, () => closeGone(deps, host, pr, planned.heads[pr.head]));
      if (done !== undefined) branches.push(done);
    }
    for (const b of branches) if (b.pullRequest !== undefined && b.pullRequest.action !== 'unchanged') deps.log.info({ branch: b.branch, pullRequest: b.pullRequest }, `review: ${b.pullRequest.action} ${b.pullRequest.url}`);
    const commit = branches.find((b) => b.commit !== undefined)?.commit;
    return { ...base, problems, branches, pushed: branches.some((b) => b.pushed), ...(commit === undefined ? {} : { commit }) };
  }
}

/** One open pull request per head (the host allows no second; a race could leave one briefly). */
function firstPerHead(pulls: readonly PullRequest[]): PullRequest[] {
  const seen = new Set<string>();
  return pulls.filter((pr) => !seen.has(pr.head) && seen.add(pr.head));
}

/**
 * Splits the decided changes by group, in key order; past `maxBranches` groups, the rest are left
 * out (`overflow`, with how many changes each holds) and wait for a later cycle.
 */
function partitioner(review: GroupReviewSettings): { partition: NonNullable<CycleDeps['partition']>; overflow: Map<string, number> } {
  const overflow = new Map<string, number>();
  const max = review.maxBranches ?? DEFAULT_MAX_BRANCHES;
  const partition = (changes: readonly Change[]) => {
    const byKey = [...Map.groupBy(changes, (c) => groupKey(c, review.branchPer, review.groups))].sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [key, waiting] of byKey.slice(max)) overflow.set(key, waiting.length);
    return new Map(byKey.slice(0, max));
  };
  return { partition, overflow };
}

function overflowProblems(overflow: ReadonlyMap<string, number>, branchOf: (key: string) => string, max: number): Problem[] {
  return [...overflow].map(([key, count]) => {
    const branch = branchOf(key);
    const changes = count === 1 ? '1 change' : `${count} changes`;
    return { subject: branch, code: 'review-branch-limit', message: `${branch}: ${changes} of ${keyName(key)} ${count === 1 ? 'waits' : 'wait'} for a later cycle: this automation keeps at most ${max} review branch${max === 1 ? '' : 'es'} (review.maxBranches)` };
  });
}

/** One branch's step; its failure (a refused push, a host's refusal) is that branch's problem. A lost race is the cycle's. */
async function perBranch(problems: Problem[], branch: string, step: () => Promise<BranchReport | Problem>): Promise<BranchReport | undefined> {
  try {
    const done = await step();
    if ('code' in done) {
      problems.push(done);
      return undefined;
    }
    return done;
  } catch (error) {
    if (error instanceof PushRejected && error.lostRace) throw error;
    if (!(error instanceof TagpilotError)) throw error;
    problems.push({ subject: branch, code: error.code, message: `${branch}: ${error.message}` });
    return undefined;
  }
}

interface PartBranch {
  group: string;
  branch: string;
  /** The target's head the part was computed on. */
  head: string;
  /** The review branch's head now, undefined when it does not exist. */
  branchHead: string | undefined;
  part: PlanPart;
  /** The branch's open pull request, as this cycle's listing found it. */
  listed: { open: PullRequest | undefined };
}

/** One group's branch: left alone when a person committed there, else brought to the part's commit; then its one pull request. */
async function syncPart(deps: CycleDeps, review: GroupReviewSettings, at: PartBranch): Promise<BranchReport | Problem> {
  const { group, branch, head, branchHead, part, listed } = at;
  const taken = await humanCommit(deps, branch, branchHead);
  if (taken !== undefined) return taken;
  const message = (deps.message ?? commitMessage)(part.changes, part.subject);
  const content = pullRequestContent(message, review);
  const report = { group, branch, changes: part.changes };
  if (await holdsAlready(deps, branchHead, head, message)) {
    return { ...report, commit: branchHead, pushed: false, pullRequest: await ensurePullRequest(review.host, review, branch, deps.branch, content, false, listed) };
  }
  const commit = await deps.repo.commit(head, part.files, message, deps.author, (deps.now ?? (() => new Date()))());
  await deps.repo.push(commit, { ref: `refs/heads/${branch}`, expected: branchHead }, deps.signal);
  deps.log.info({ commit, branch, changes: part.changes.length }, 'pushed review branch');
  return { ...report, commit, pushed: true, pullRequest: await ensurePullRequest(review.host, review, branch, deps.branch, content, true, listed) };
}

/** A branch whose group has nothing pending any more: its pull request is closed, unless a person took the branch. */
async function closeGone(deps: CycleDeps, host: ReviewHost, pr: PullRequest, branchHead: string | undefined): Promise<BranchReport | Problem> {
  const taken = await humanCommit(deps, pr.head, branchHead);
  if (taken !== undefined) return taken;
  return { branch: pr.head, changes: [], pushed: false, pullRequest: await closePullRequest(host, pr) };
}
