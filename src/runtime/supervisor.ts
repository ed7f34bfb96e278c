import { EVERY_AUTOMATION, type Leadership } from './ports.ts';
import type { Reporter } from './report.ts';
import { Runner, type SupervisedAutomation } from './runner.ts';
import { newAutomationState, type ControllerState } from './state.ts';

export interface SupervisorOptions {
  reporter: Reporter;
  state: ControllerState;
  leadership?: Leadership;
  /**
   * Before each cycle of every automation (the controller re-reads its Secrets here): when it
   * replaced the automation (a rotation re-wired it), the replacement runs that cycle instead.
   */
  beforeCycle?: (automation: string) => Promise<unknown>;
  now?: () => Date;
  wait?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** What a config reload did to the running automations. */
export interface Applied {
  started: string[];
  replaced: string[];
  stopped: string[];
  kept: string[];
}

/**
 * Runs many automations side by side, each in its own loop on its own schedule: a slow, failing or
 * stuck one holds back nobody else. It applies a new set of automations (a config reload) by
 * starting the new ones, stopping those gone, and replacing those whose settings changed once
 * their cycle in progress has ended; and it routes hints (webhooks) to the automations concerned.
 */
export class Supervisor {
  private readonly runners = new Map<string, Runner>();
  /** Replacements waiting for the old runner's cycle to end. */
  private readonly replacing = new Map<string, Promise<void>>();
  /** What each replacement starts: the latest settings asked for. */
  private readonly next = new Map<string, SupervisedAutomation>();
  private readonly o: SupervisorOptions;
  private leadership!: Leadership;
  private unsubscribe: () => void = () => undefined;
  private stopping = false;

  constructor(options: SupervisorOptions) {
    this.o = options;
    this.setLeadership(options.leadership ?? EVERY_AUTOMATION);
  }

  /**
   * Who decides which automations this replica runs, from now on (a reload that turns leader
   * election on or off): each runner looks again, and one this replica no longer holds has its
   * cycle in progress cancelled.
   */
  setLeadership(leadership: Leadership): void {
    if (leadership === this.leadership) return;
    this.unsubscribe();
    this.leadership = leadership;
    this.unsubscribe = leadership.onChange((name, held) => this.runners.get(name)?.leadershipChanged(held));
    leadership.setAutomations?.([...this.runners.keys()]);
    for (const [name, runner] of this.runners) {
      const held = leadership.holds(name);
      if (held !== runner.state.held) runner.leadershipChanged(held);
    }
  }

  /** The automations running (or about to) by name. */
  names(): string[] {
    return [...this.runners.keys()];
  }

  /** Makes the running set the given one; resolves once every replacement has started. */
  apply(automations: readonly SupervisedAutomation[]): { applied: Applied; settled: Promise<void> } {
    const applied: Applied = { started: [], replaced: [], stopped: [], kept: [] };
    if (this.stopping) return { applied, settled: Promise.resolve() };
    const wanted = new Map(automations.map((a) => [a.name, a]));
    for (const [name, runner] of this.runners) {
      if (wanted.has(name)) continue;
      applied.stopped.push(name);
      this.runners.delete(name);
      const state = runner.state;
      void runner.stop().then(() => {
        if (this.o.state.automations.get(name) === state) this.o.state.automations.delete(name);
      });
    }
    for (const automation of automations) {
      const old = this.runners.get(automation.name);
      if (old === undefined) {
        applied.started.push(automation.name);
        this.start(automation);
      } else if ((this.next.get(automation.name) ?? old.automation).fingerprint === automation.fingerprint) applied.kept.push(automation.name);
      else {
        applied.replaced.push(automation.name);
        this.replace(old, automation);
      }
    }
    this.leadership.setAutomations?.(automations.map((a) => a.name));
    return { applied, settled: Promise.all(this.replacing.values()).then(() => undefined) };
  }

  /** Cycles now for the automations whose cycles asked about this image repository (canonical name); their names. */
  imagePushed(repository: string, reason: string): string[] {
    const hit = [...this.runners.values()].filter((r) => r.state.images.has(repository));
    for (const r of hit) r.trigger(reason);
    return hit.map((r) => r.automation.name);
  }

  /** Cycles now for the automations that read this Git URL and branch; their names. */
  gitPushed(url: string, branch: string, reason: string): string[] {
    const hit = [...this.runners.values()].filter((r) => r.automation.repository?.url === url && r.automation.repository.branches.includes(branch));
    for (const r of hit) r.trigger(reason);
    return hit.map((r) => r.automation.name);
  }

  /** A cycle now for one automation (a re-sync); false when there is none of that name. */
  resync(name: string, reason: string): boolean {
    const runner = this.runners.get(name);
    runner?.trigger(reason);
    return runner !== undefined;
  }

  /**
   * No new cycle anywhere; cycles in progress get `deadlineMs` to end, then are cancelled (at
   * their next step). Resolves once every loop has returned.
   */
  async shutdown(deadlineMs: number, cancel?: AbortSignal): Promise<void> {
    this.stopping = true;
    this.unsubscribe();
    const runners = [...this.runners.values()];
    const cut = () => {
      for (const r of runners) r.cancel(new Error('shutdown deadline passed'));
    };
    const timer = setTimeout(cut, deadlineMs);
    cancel?.addEventListener('abort', cut, { once: true });
    try {
      await Promise.all([...runners.map((r) => r.stop()), ...this.replacing.values()]);
    } finally {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', cut);
    }
    this.o.reporter.stopped();
  }

  private start(automation: SupervisedAutomation): void {
    const now = this.o.now ?? (() => new Date());
    const state = newAutomationState(automation.name, automation.intervalMs, automation.cycleTimeoutMs, now());
    this.o.state.automations.set(automation.name, state);
    const runner = new Runner(automation, { reporter: this.o.reporter, state, holds: () => this.leadership.holds(automation.name), whenHeld: (signal) => this.leadership.whenHeld(automation.name, signal), beforeCycle: this.o.beforeCycle && (() => this.o.beforeCycle!(automation.name)), now, wait: this.o.wait });
    this.runners.set(automation.name, runner);
    runner.start();
  }

  /** The old runner finishes its cycle, then the new one starts, keeping what the old one learnt. */
  private replace(old: Runner, automation: SupervisedAutomation): void {
    const name = automation.name;
    this.next.set(name, automation);
    if (this.replacing.has(name)) return;
    const previous = old.state;
    const done = old.stop().then(() => {
      this.replacing.delete(name);
      const latest = this.next.get(name);
      this.next.delete(name);
      if (this.stopping || this.runners.get(name) !== old || latest === undefined) return;
      this.start(latest);
      const state = this.o.state.automations.get(name);
      // The new loop's first cycle runs at once; the watchdog and readiness keep the old record.
      if (state !== undefined && previous !== undefined) Object.assign(state, { cycles: previous.cycles, lastCycle: previous.lastCycle, lastFinishedAt: previous.lastFinishedAt, lastSuccessAt: previous.lastSuccessAt, lastOutcome: previous.lastOutcome, images: previous.images, since: previous.since });
    });
    this.replacing.set(name, done);
  }
}
