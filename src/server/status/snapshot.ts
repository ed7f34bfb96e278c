/**
 * What the status page reads: a narrow, read-only picture of the controller at one moment. The
 * controller fills it (StatusBoard does, from the runtime's statuses and cycle outcomes); the
 * page, the JSON API and `tagpilot status` only read it. Everything in it that came from Git or
 * a registry (names, tags, reasons, messages) is untrusted text, escaped wherever it is shown.
 */
import type { Change, HistoryEntry, OperationEntry, Problem, RejectedTag, SlotState } from '../../automation/index.ts';
import type { Code } from '../../problems/index.ts';
import type { RecordedState } from './recorded.ts';

export interface StatusSnapshot {
  /** When it was taken. */
  at: Date;
  automations: AutomationSnapshot[];
  /** One per registry host asked so far, in host order. */
  registries: RegistrySnapshot[];
  /** When the controller reads the verification outcomes the cluster recorded: how that went. */
  recorded?: RecordedState;
}

/** What one registry host has answered so far. */
export interface RegistrySnapshot {
  host: string;
  /** HTTP exchanges, redirects and retries included. */
  requests: number;
  /** Failed answers (4xx other than a 401 challenge, 5xx) and requests that got no answer. */
  errors: number;
  /** 429 answers. */
  rateLimited: number;
  /** While a Retry-After holds every request to the host: until when. */
  pausedUntil?: Date;
}

/** How a cycle ended: the runtime's AutomationStatus['lastOutcome']. */
export type CycleResult = 'committed' | 'unchanged' | 'failed' | 'cancelled';

/** The last cycle of an automation that ended. */
export interface CycleRecord {
  startedAt: Date;
  ms: number;
  result: CycleResult;
  /** The head the cycle read, and our commit when the remote branch holds it. */
  head?: string;
  commit?: string;
  changes: Change[];
  problems: Problem[];
  /** A review flow's pull request, and what the cycle did to it. */
  pullRequest?: { number: number; url: string; action: string };
  /** What stopped a failed or cancelled cycle. */
  error?: { code: Code; message: string };
}

export interface AutomationSnapshot {
  name: string;
  /** The Git repository, without credentials, and the branch read. */
  repository?: string;
  branch?: string;
  intervalMs: number;
  running: boolean;
  /** Cycles ended since start. */
  cycles: number;
  /** When the next cycle is due, while waiting for it. */
  nextAt?: Date;
  /** Who holds the automation's lease, when replicas share it. */
  leaseHolder?: string;
  last?: CycleRecord;
  /** Every automated slot as the last cycle that read them saw it, and when that was. */
  slots: SlotState[];
  slotsAt?: Date;
  /** tagpilot's changes, newest first (bounded). */
  history: HistoryEntry[];
  /** What people did through tagpilot (lock, release, freeze, …: `Tagpilot-Operation` trailers), newest first (bounded). */
  operations: OperationEntry[];
  /** The tags people turned down that are in force, as the last cycle read them (a `git revert`, a hand edit, a closed pull request). */
  rejections: RejectedTag[];
  /** Rollout verification outcomes of tagpilot's commits, newest first (bounded). */
  verifications: VerificationRecord[];
  /**
   * The Git host's web address of a commit, `{commit}` standing for its id
   * (`https://github.com/org/fleet/commit/{commit}`): history and cycles link to it.
   */
  commitUrl?: string;
}

/** How the cluster took one of tagpilot's commits for one workload (docs/verification.md). */
export interface VerificationRecord {
  /** When the outcome was known. */
  at: Date;
  commit: string;
  workload: string;
  outcome: 'Verified' | 'Failed' | 'NotApplied';
  /** Failed only: ImagePullBackOff, ProgressDeadlineExceeded, … */
  reason?: string;
  detail: string;
}

/** Where the page and the API get snapshots, and hear that a new one is worth taking. */
export interface StatusSource {
  snapshot(): StatusSnapshot;
  /** Calls `onChange` after something the snapshot shows changed; returns the unsubscribe. */
  subscribe(onChange: () => void): () => void;
  /** Grows with every change subscribers are told of: renders are reused while it stays (and within a second). Without it, nothing is reused. */
  version?(): number;
}
