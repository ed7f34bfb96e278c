import type { Automation, CycleContext, GitOperationOutcome } from './automation.ts';
import type { AfterPush } from './ports.ts';
import type { Reporter } from './report.ts';
import { runOnce, waitFor } from './schedule.ts';
import type { AutomationState } from './state.ts';

/** An automation as the supervisor runs it: its cycle, its schedule, and what it writes to. */
export interface SupervisedAutomation extends Automation {
  readonly cycleTimeoutMs: number;
  /** Same fingerprint after a config reload: the running automation is left as it is. */
  readonly fingerprint: string;
  /**
   * The repository it reads (Git push webhooks route by `url` and `branches`) and, when it pushes
   * elsewhere (`git.pushBranch`), the branch its commits go to: what `afterPush` is told.
   */
  readonly repository?: { url: string; branches: readonly string[]; pushBranch?: string };
  /** After each cycle that pushed a commit (a nudge to the sync loop), not awaited. */
  readonly afterPush?: AfterPush;
}

export interface RunnerOptions {
  reporter: Reporter;
  state: AutomationState;
  holds: () => boolean;
  /** Resolves once `holds()` is true, or when `signal` fires first. */
  whenHeld: (signal: AbortSignal) => Promise<unknown>;
  /** Before each cycle; when what it did replaced this automation (a rotated Secret re-wired it), the replacement runs the cycle instead. */
  beforeCycle?: () => Promise<unknown>;
  now: () => Date;
  wait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/**
 * One automation's loop: a cycle, then its interval, again until stopped. A trigger (a webhook, a
 * reload) starts a cycle now, or one right after the cycle in progress; many triggers meanwhile
 * make one cycle. It runs only while this replica holds the automation.
 */
export class Runner {
  readonly automation: SupervisedAutomation;
  private readonly o: RunnerOptions;
  private wake = new AbortController();
  private stopping = false;
  private current: AbortController | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(automation: SupervisedAutomation, options: RunnerOptions) {
    this.automation = automation;
    this.o = options;
  }

  get state(): AutomationState {
    return this.o.state;
  }

  start(): void {
    this.done = this.loop();
  }

  /** A cycle now (or right after the one in progress); ignored while another replica holds it. */
  trigger(reason: string): void {
    if (this.stopping || !this.o.holds()) return;
    this.o.state.pending ??= reason;
    this.wake.abort();
  }

  /** Leadership changed: a lost one cancels the cycle in progress; either way the loop looks again. */
  leadershipChanged(held: boolean): void {
    if (!held) this.current?.abort(new Error('another replica holds this automation now'));
    this.wake.abort();
  }

  /** No new cycle; resolves when the one in progress (if any) has ended. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    return this.done;
  }

  /** Cancels the cycle in progress (a shutdown past its deadline). */
  cancel(reason: Error): void {
    this.current?.abort(reason);
  }

  private async loop(): Promise<void> {
    const { state } = this.o;
    while (!this.stopping) {
      const held = this.o.holds();
      if (held !== state.held) Object.assign(state, { held, since: this.o.now() });
      if (!held) {
        state.nextAt = undefined;
        await this.untilHeld();
        continue;
      }
      // Its own failures are its to log: the cycle runs on the wiring in place.
      await this.o.beforeCycle?.().catch(() => undefined);
      if (this.stopping) break;
      if (!this.o.holds()) continue;
      // Triggers from here on ask for the cycle after this one; earlier ones are this one.
      this.wake = new AbortController();
      const reason = state.pending ?? 'schedule';
      state.pending = undefined;
      await this.cycle(reason);
      if (this.stopping) break;
      if (state.pending !== undefined) continue;
      state.nextAt = new Date(this.o.now().getTime() + this.automation.intervalMs);
      await this.sleep(this.automation.intervalMs);
    }
    state.nextAt = undefined;
  }

  private async cycle(reason: string): Promise<void> {
    this.current = new AbortController();
    try {
      const outcome = await runOnce(this.automation, { reporter: this.o.reporter, cancel: this.current.signal, status: this.o.state, now: this.o.now, context: this.context(reason) });
      if ('report' in outcome && outcome.report.commit !== undefined) this.pushed(outcome.report);
    } finally {
      this.current = undefined;
    }
  }

  private pushed(report: { head: string; commit?: string; changes: readonly { file: string }[] }): void {
    const { afterPush, repository } = this.automation;
    if (afterPush === undefined || repository === undefined || report.commit === undefined) return;
    const files = [...new Set(report.changes.map((c) => c.file))].sort();
    const pushed = { automation: this.automation.name, repository: repository.url, branch: repository.pushBranch ?? repository.branches[0] ?? 'main', before: report.head, after: report.commit, files };
    // Not awaited: a slow nudge never holds the next cycle back.
    void Promise.resolve()
      .then(() => afterPush(pushed))
      .catch(() => undefined);
  }

  private context(reason: string): CycleContext {
    const { state, reporter, now } = this.o;
    const name = this.automation.name;
    return {
      reason,
      activity: (what) => (state.activity = what === undefined ? undefined : { what, since: now() }),
      usedImage: (repository) => void state.images.add(repository),
      gitOperation: (operation: 'fetch' | 'push', outcome: GitOperationOutcome, ms: number) => reporter.gitOperation?.(name, operation, outcome, ms),
    };
  }

  /** Until `ms` passed, a trigger, a leadership change or a stop. */
  private async sleep(ms: number): Promise<void> {
    const wake = this.wake.signal;
    if (!wake.aborted) await (this.o.wait ?? waitFor)(ms, wake);
    this.wake = new AbortController();
  }

  /**
   * Until this replica holds the automation, a leadership change or a stop. Asked of the
   * leadership itself, not left to its change events: a hold that lapsed between two rounds and
   * was renewed by the next is no change to them, and the runner would sleep for good.
   */
  private async untilHeld(): Promise<void> {
    const wake = this.wake.signal;
    if (!wake.aborted) await this.o.whenHeld(wake);
    this.wake = new AbortController();
  }
}
