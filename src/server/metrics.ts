import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RegistryObserver } from '../registry/index.ts';
import { outcomeKind, problemCounts, stalls, type ControllerState, type CycleOutcome, type GitOperationOutcome, type Reporter } from '../runtime/index.ts';

/**
 * The controller's Prometheus metrics (docs/controller.md#metrics), on a registry of their own:
 * fed as a Reporter (cycles) and a RegistryObserver (registry requests), the gauges read from the
 * controller's state at each scrape.
 */
export class ControllerMetrics implements Reporter {
  readonly registry = new Registry();
  private readonly cycles = this.counter('tagpilot_cycles_total', 'Cycles that ended, by automation and outcome (committed, unchanged, failed, cancelled, timed-out).', ['automation', 'outcome']);
  private readonly duration = new Histogram({
    name: 'tagpilot_cycle_duration_seconds',
    help: 'How long cycles took, by automation.',
    labelNames: ['automation'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly committed = this.counter('tagpilot_updates_committed_total', 'Image updates (changes) the remote branch holds, by automation.', ['automation']);
  private readonly blocked = this.counter('tagpilot_updates_blocked_total', 'Slots a cycle did not update, by automation and problem code (locked, frozen, soaking, registry-unreachable, ...).', ['automation', 'code']);
  private readonly registryRequests = this.counter('tagpilot_registry_requests_total', 'HTTP exchanges with registries, by host and status (error: no answer).', ['host', 'status']);
  private readonly rateLimitWaits = this.counter('tagpilot_registry_rate_limit_waits_total', "Requests that waited for their host, by host and reason (retry-after: the registry's, budget: requestsPerSecond).", ['host', 'reason']);
  private readonly rateLimitSeconds = this.counter('tagpilot_registry_rate_limit_wait_seconds_total', 'Time requests spent waiting for their host, by host and reason.', ['host', 'reason']);
  private readonly listings = this.counter('tagpilot_registry_tag_listings_total', 'Tag lists asked for, by host and where they came from (network, cache, shared with a listing in flight).', ['host', 'source']);
  private readonly gitOperations = this.counter('tagpilot_git_operations_total', 'Git fetches and pushes, by automation, operation and outcome (ok, failed, lost-race, rejected, cancelled).', ['automation', 'operation', 'outcome']);
  private readonly racesLost = this.counter('tagpilot_git_push_races_lost_total', 'Pushes refused because the branch moved meanwhile (the cycle recomputes), by automation.', ['automation']);
  private readonly reloads = this.counter('tagpilot_config_reloads_total', 'Config reloads, by outcome (applied, invalid).', ['outcome']);
  /** The Kubernetes parts' counts (src/kube's `Counters`), by name: only these reach /metrics. */
  private readonly cluster = new Map<string, Counter<string>>(
    (
      [
        ['tagpilot_lease_transitions_total', 'Leases this replica created, took or released, by action.', ['action']],
        ['tagpilot_lease_errors_total', 'Lease API calls that failed, by action and code (kube-conflict: a lost race, read again next round).', ['action', 'code']],
        ['tagpilot_events_total', 'Kubernetes Events, by reason and how written (created, folded into a series).', ['reason', 'written']],
        ['tagpilot_events_dropped_total', 'Events dropped past the write budget, by reason (series: a series count update).', ['reason']],
        ['tagpilot_event_errors_total', 'Event API calls that failed, by action and code.', ['action', 'code']],
        ['tagpilot_pull_secret_errors_total', "Workloads' pull secrets that could not be read, by what and code.", ['what', 'code']],
        ['tagpilot_nudges_total', 'Nudges to sync loops after a push, by target (argocd, flux) and outcome (ok, failed).', ['target', 'outcome']],
        ['tagpilot_verifications_total', 'Rollout verifications that ended, by outcome (Verified, Failed, NotApplied) and reason (ImagePullBackOff, ...; empty for Verified).', ['outcome', 'reason']],
        ['tagpilot_verify_errors_total', 'Kubernetes API reads of a verification that failed (the next look tries again), by code.', ['code']],
        ['tagpilot_verifications_dropped_total', 'Verifications not started because maxQueued already waited for a turn.', []],
        ['tagpilot_verifications_superseded_total', 'Verifications whose place a newer commit on the same workload took over (one outcome, for the newer commit).', []],
      ] as const
    ).map(([name, help, labels]) => [name, this.counter(name, help, labels)]),
  );
  private readonly signatures = this.counter('tagpilot_signature_verifications_total', "Candidates' cosign signature checks, by the config's policy and result (valid, unsigned, bad-signature, error).", ['policy', 'result']);

  constructor(state: ControllerState) {
    collectDefaultMetrics({ register: this.registry });
    const now = () => new Date();
    new Gauge({
      name: 'tagpilot_last_successful_cycle_timestamp_seconds',
      help: 'When the last cycle that ended without an error ended (Unix time), by automation.',
      labelNames: ['automation'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const a of state.automations.values()) if (a.lastSuccessAt !== undefined) this.set({ automation: a.name }, a.lastSuccessAt.getTime() / 1000);
      },
    });
    new Gauge({
      name: 'tagpilot_automation_stuck',
      help: 'The watchdog: 1 when an automation has not finished a cycle within its bound (docs/controller.md#the-watchdog), else 0.',
      labelNames: ['automation'],
      registers: [this.registry],
      collect() {
        this.reset();
        const stuck = new Set(stalls(state.automations.values(), now()).map((s) => s.automation));
        for (const a of state.automations.values()) this.set({ automation: a.name }, stuck.has(a.name) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tagpilot_automation_held',
      help: 'Leader election: 1 while this replica holds the automation (runs its cycles), 0 while another replica does.',
      labelNames: ['automation'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const a of state.automations.values()) this.set({ automation: a.name }, a.held ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tagpilot_config_generation',
      help: 'How many configs were applied since the start (1: the first one).',
      registers: [this.registry],
      collect() {
        this.set(state.config.generation);
      },
    });
  }

  cycleEnded(outcome: CycleOutcome): void {
    const automation = outcome.automation;
    this.cycles.inc({ automation, outcome: outcomeKind(outcome) });
    this.duration.observe({ automation }, outcome.ms / 1000);
    if (!('report' in outcome)) return;
    const { report } = outcome;
    if (report.commit !== undefined) this.committed.inc({ automation }, report.changes.length);
    for (const [code, n] of Object.entries(problemCounts([...report.problems, ...report.locked.map(() => ({ code: 'locked' }))]))) this.blocked.inc({ automation, code }, n);
  }

  stopped(): void {}

  gitOperation(automation: string, operation: 'fetch' | 'push', outcome: GitOperationOutcome): void {
    this.gitOperations.inc({ automation, operation, outcome });
    if (outcome === 'lost-race') this.racesLost.inc({ automation });
  }

  configReloaded(outcome: 'applied' | 'invalid'): void {
    this.reloads.inc({ outcome });
  }

  /** Where the Kubernetes parts count (src/kube's `Counters`); a name not registered here is not exported. */
  clusterCounters(): { inc(name: string, labels?: Readonly<Record<string, string>>): void } {
    return {
      inc: (name, labels = {}) => {
        try {
          this.cluster.get(name)?.inc(labels);
        } catch {
          // A label set the counter was not made with: a bug to fix, never a reason to fail a cycle.
        }
      },
    };
  }

  registryObserver(): RegistryObserver {
    return {
      request: (host, _kind, status) => this.registryRequests.inc({ host, status: String(status) }),
      waited: (host, ms, reason) => {
        this.rateLimitWaits.inc({ host, reason });
        this.rateLimitSeconds.inc({ host, reason }, ms / 1000);
      },
      listed: (host, source) => this.listings.inc({ host, source }),
      signatureChecked: (policy, result) => this.signatures.inc({ policy, result }),
    };
  }

  /** The text exposition format, and its content type. */
  async expose(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }
}
