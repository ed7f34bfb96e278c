import type { KubeClient, Lease } from './client.ts';
import type { Counters, Log } from './counters.ts';
import { MemoryCounters } from './counters.ts';
import { KubeError } from './errors.ts';
import { automationKey, decideLease, holdsUntil, leaseName, preferredHolder, renewDelay, type LeaseAction, type Member } from './lease-decision.ts';

export interface LeaseOptions {
  client: KubeClient;
  /** tagpilot's own namespace: the Leases live there. */
  namespace: string;
  /** This replica: its Pod name. */
  identity: string;
  durationMs?: number;
  now?: () => number;
  random?: () => number;
  log: Log;
  counters?: Counters;
}

const LABEL = 'tagpilot.io/lease';
const AUTOMATION_ANNOTATION = 'tagpilot.io/automation';
const SERVES_ANNOTATION = 'tagpilot.io/serves';
export const DEFAULT_LEASE_DURATION_MS = 15_000;

interface Observed {
  resourceVersion: string | undefined;
  at: number;
}

/**
 * One Lease per automation in tagpilot's namespace, shared out among the replicas: each replica
 * keeps a member Lease (what it serves), and holds the automation Leases that rendezvous hashing
 * gives it among the live members. A replica that dies stops renewing; its member Lease and its
 * automation Leases expire, and the others take them over. `held()` is what readiness and
 * metrics show; `onChange` tells the runtime to start or stop an automation.
 */
export class LeaseCoordinator {
  private readonly o: Required<Omit<LeaseOptions, 'counters'>> & { counters: Counters };
  private automations: readonly string[] = [];
  private readonly observed = new Map<string, Observed>();
  /** Automation id → when our last write of its Lease succeeded. */
  private readonly writes = new Map<string, number>();
  private readonly known = new Map<string, Lease>();
  private readonly listeners = new Set<(id: string, held: boolean) => void>();
  /** Called after every round: `whenHeld` callers checking their automation. */
  private readonly waiters = new Set<() => void>();
  private reported = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(options: LeaseOptions) {
    this.o = { durationMs: DEFAULT_LEASE_DURATION_MS, now: Date.now, random: Math.random, counters: new MemoryCounters(), ...options };
  }

  /** The automations this replica runs; a config reload calls it again. */
  setAutomations(ids: readonly string[]): void {
    this.automations = [...new Set(ids)].sort();
  }

  /**
   * A config reload's lease duration: the next round writes it into our Leases (the other replicas
   * judge expiry by what a Lease says), and renewals and our own trust in a hold follow it.
   */
  setDuration(durationMs: number): void {
    const sooner = durationMs < this.o.durationMs;
    this.o.durationMs = durationMs;
    // Waiting for a round timed by the longer duration: it comes now, before our holds lapse.
    if (sooner && this.timer !== undefined && !this.stopped) {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.loop, 0);
    }
  }

  /** The automations this replica holds right now (trusted until two thirds of the duration after the last renewal). */
  held(): string[] {
    const now = this.o.now();
    return this.automations.filter((id) => this.holds(id, now));
  }

  holds(id: string, now = this.o.now()): boolean {
    const at = this.writes.get(id);
    return at !== undefined && now < holdsUntil(at, this.o.durationMs);
  }

  onChange(listener: (id: string, held: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves true once this replica holds `id`, false when `signal` fires first: what a
   * single-automation `tagpilot run` awaits before each cycle. Checked after every round.
   */
  whenHeld(id: string, signal: AbortSignal): Promise<boolean> {
    if (this.holds(id)) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (held: boolean) => {
        this.waiters.delete(check);
        signal.removeEventListener('abort', abort);
        resolve(held);
      };
      const check = () => {
        if (this.holds(id)) done(true);
      };
      const abort = () => done(false);
      this.waiters.add(check);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  /** Ticks until `stop()`: a third of the lease duration apart, with jitter. */
  start(): void {
    void this.loop();
  }

  private readonly loop = async (): Promise<void> => {
    this.timer = undefined;
    this.running = this.tick();
    await this.running;
    if (!this.stopped) this.timer = setTimeout(this.loop, renewDelay(this.o.durationMs, this.o.random()));
  };

  /**
   * On SIGTERM: no more ticks, and every Lease that names us released, so another replica takes
   * over at once. By what the API last said, not by `held()`: a round made late by a busy machine
   * lapses our trust in a hold, not the Lease, which would name an exited replica until it expires.
   * Each release is a compare-and-swap on the version we read: a Lease another replica took since
   * is refused (409) and stays theirs.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const id of this.namingUs()) await this.write(id, 'release');
    const member = this.known.get(this.memberName());
    if (member?.holder === this.o.identity) await this.writeLease({ ...member, holder: undefined }, 'release', undefined).catch(() => undefined);
    this.notify();
  }

  /** Our automations whose Lease, as we last read or wrote it, names us as holder. */
  private namingUs(): string[] {
    return this.automations.filter((id) => this.known.get(leaseName('tagpilot-', id))?.holder === this.o.identity);
  }

  /** One round: read every tagpilot Lease (one list), renew our membership, then act on each automation's Lease. */
  async tick(): Promise<void> {
    const now = this.o.now();
    let leases: Lease[];
    try {
      leases = await this.o.client.listLeases(this.o.namespace, LABEL);
    } catch (error) {
      this.failed('list', error);
      this.notify();
      return;
    }
    this.known.clear();
    for (const l of leases) {
      this.known.set(l.name, l);
      this.observe(l.name, l.resourceVersion, now);
    }
    await this.renewMembership(now);
    const members = this.members(now);
    for (const id of this.automations) {
      const name = leaseName('tagpilot-', id);
      const lease = this.known.get(name);
      if (lease === undefined) this.observe(name, undefined, now);
      const action = decideLease({ lease, observedAt: this.observed.get(name)!.at, me: this.o.identity, preferred: preferredHolder(id, members), now, durationMs: this.o.durationMs });
      if (action !== 'wait') await this.write(id, action);
    }
    this.notify();
  }

  private observe(name: string, resourceVersion: string | undefined, now: number): void {
    const seen = this.observed.get(name);
    if (seen === undefined || seen.resourceVersion !== resourceVersion) this.observed.set(name, { resourceVersion, at: now });
  }

  private memberName(): string {
    return leaseName('tagpilot-member-', this.o.identity);
  }

  private async renewMembership(now: number): Promise<void> {
    const name = this.memberName();
    const current = this.known.get(name);
    const serves = this.automations.map(automationKey).join(' ');
    const lease: Lease = { ...current, name, labels: { [LABEL]: 'member' }, annotations: { [SERVES_ANNOTATION]: serves }, holder: this.o.identity, durationS: this.o.durationMs / 1000, renewTime: now, acquireTime: current?.acquireTime ?? now };
    await this.writeLease(lease, current === undefined ? 'create' : 'renew', undefined).catch((error: unknown) => this.failed('member', error));
  }

  /** Live members: ours, and every member Lease another replica renewed within its duration (as we observed it). */
  private members(now: number): Member[] {
    const members: Member[] = [{ identity: this.o.identity, serves: new Set(this.automations.map(automationKey)) }];
    for (const l of this.known.values()) {
      if (l.labels?.[LABEL] !== 'member' || l.holder === undefined || l.holder === this.o.identity) continue;
      const seen = this.observed.get(l.name)!;
      if (now - seen.at >= (l.durationS ?? this.o.durationMs / 1000) * 1000) continue;
      members.push({ identity: l.holder, serves: new Set((l.annotations?.[SERVES_ANNOTATION] ?? '').split(' ')) });
    }
    return members;
  }

  private async write(id: string, action: Exclude<LeaseAction, 'wait'>): Promise<void> {
    const name = leaseName('tagpilot-', id);
    const current = this.known.get(name);
    const now = this.o.now();
    const base: Lease = { ...current, name, labels: { [LABEL]: 'automation' }, annotations: { [AUTOMATION_ANNOTATION]: id }, durationS: this.o.durationMs / 1000 };
    const next: Lease = action === 'release' ? { ...base, holder: undefined, renewTime: now } : action === 'renew' ? { ...base, holder: this.o.identity, renewTime: now } : { ...base, holder: this.o.identity, acquireTime: now, renewTime: now, transitions: action === 'create' ? 0 : (current?.transitions ?? 0) + 1 };
    try {
      await this.writeLease(next, action, id);
      if (action === 'release') this.writes.delete(id);
      else this.writes.set(id, now);
    } catch (error) {
      if (action === 'release') this.writes.delete(id);
      this.failed(action, error);
    }
  }

  private async writeLease(lease: Lease, action: LeaseAction, id: string | undefined): Promise<void> {
    const stored = action === 'create' ? await this.o.client.createLease(this.o.namespace, lease) : await this.o.client.replaceLease(this.o.namespace, lease);
    this.known.set(stored.name, stored);
    this.observe(stored.name, stored.resourceVersion, this.o.now());
    if (id !== undefined && action !== 'renew') {
      this.o.counters.inc('tagpilot_lease_transitions_total', { action });
      this.o.log.info({ automation: id, lease: lease.name, action }, `lease ${action === 'release' ? 'released' : 'acquired'}`);
    }
  }

  /** A lost race (409) is normal: the next tick reads the new state. Anything else is logged and counted. */
  private failed(action: string, error: unknown): void {
    const code = error instanceof KubeError ? error.code : 'internal';
    this.o.counters.inc('tagpilot_lease_errors_total', { action, code });
    if (code === 'kube-conflict') this.o.log.debug({ action, code }, (error as Error).message);
    else this.o.log.warn({ action, code }, `lease: ${(error as Error).message}`);
  }

  private notify(): void {
    const now = new Set(this.held());
    for (const id of now) if (!this.reported.has(id)) for (const l of this.listeners) l(id, true);
    for (const id of this.reported) if (!now.has(id)) for (const l of this.listeners) l(id, false);
    this.reported = now;
    for (const check of [...this.waiters]) check();
  }
}
