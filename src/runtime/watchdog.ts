import type { AutomationState } from './state.ts';

/** An automation the watchdog finds stuck: what /healthz names. */
export interface Stall {
  automation: string;
  /** Its last finished cycle, or when this replica began running it. */
  since: string;
  /** How long it may go without a finished cycle. */
  boundSeconds: number;
  running: boolean;
  /** How long the cycle in progress has run. */
  runningSeconds?: number;
  /** The step it is in. */
  activity?: string;
  lastOutcome?: string;
}

/** The slack after a cycle's timeout: time for the cancelled cycle to end. */
export function graceMs(cycleTimeoutMs: number): number {
  return Math.min(30_000, cycleTimeoutMs);
}

/**
 * The watchdog's rule (docs/controller.md#the-watchdog): an automation this replica runs is stuck
 * when no cycle of it has finished for longer than its interval plus its cycle timeout plus a
 * grace (the cycle timeout, at most 30 s). A cycle the timeout cut off is no finished cycle, so
 * one cut-off cycle turns it red until a cycle runs to its end again.
 */
export function stalls(automations: Iterable<AutomationState>, now: Date): Stall[] {
  const found: Stall[] = [];
  for (const a of automations) {
    if (!a.held) continue;
    const since = a.lastFinishedAt !== undefined && a.lastFinishedAt > a.since ? a.lastFinishedAt : a.since;
    const bound = a.intervalMs + a.cycleTimeoutMs + graceMs(a.cycleTimeoutMs);
    if (now.getTime() - since.getTime() <= bound) continue;
    const stall: Stall = { automation: a.name, since: since.toISOString(), boundSeconds: bound / 1000, running: a.running };
    if (a.running && a.lastStart !== undefined) stall.runningSeconds = Math.round((now.getTime() - a.lastStart.getTime()) / 1000);
    if (a.activity !== undefined) stall.activity = a.activity.what;
    if (a.lastOutcome !== undefined) stall.lastOutcome = a.lastOutcome;
    found.push(stall);
  }
  return found;
}

export interface Readiness {
  ready: boolean;
  /** Held here, and no first cycle has ended yet. */
  waiting: string[];
  /** Run by another replica (leadership): they do not hold this one back. */
  heldElsewhere: string[];
}

/**
 * Ready once the config is loaded and every automation this replica runs has had its first cycle
 * end (committed, unchanged, or failed: one broken repository must not keep the others' webhooks
 * out). A cycle cut off or cancelled is no first sync.
 */
export function readiness(automations: Iterable<AutomationState>, configLoaded: boolean): Readiness {
  const waiting: string[] = [];
  const heldElsewhere: string[] = [];
  for (const a of automations) {
    if (!a.held) heldElsewhere.push(a.name);
    else if (a.lastFinishedAt === undefined) waiting.push(a.name);
  }
  return { ready: configLoaded && waiting.length === 0, waiting, heldElsewhere };
}
