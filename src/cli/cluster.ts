import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { kubeSecretRefs, type AutomationConfig, type LoadedConfig } from '../config/index.ts';
import type { Counters, EventSpec, LeaseCoordinator, NudgeTarget, VerificationResult } from '../kube/index.ts';
import { EVERY_AUTOMATION, type AfterPush, type Leadership, type Reporter } from '../runtime/index.ts';
import type { CliIo } from './io.ts';
import { configSecret, kubeClientOf, secretStoreOf } from './wire.ts';

/** What a running tagpilot does in and for the cluster, beyond the cycle: each part only when the config or the Pod asks for it. */
export interface ClusterParts {
  /** Events and nudges, after the log. */
  reporters: Reporter[];
  /**
   * Before each cycle: resolves true when this replica may run it (it holds the automation's
   * Lease, or there is no leader election), false when `stop` fired first.
   */
  turn(stop: AbortSignal): Promise<boolean>;
  /** Before each cycle: whether a Secret the config reads changed (the caller re-wires, and the cycle uses the new value). */
  secretsChanged(): Promise<boolean>;
  /** The last Events written and the nudges in flight settled. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** One cycle (`run --once`): no leader election. */
  once?: boolean;
  /** Each rollout verification's outcome (notifications). */
  onVerified?: (result: VerificationResult) => void;
}

/**
 * - Leases: when running in a Pod, not `--once`, unless `leaderElection.enabled` is false.
 * - Secrets: re-read before each cycle when the config names any (`{ secret: … }`).
 * - Events: when running in a Pod (POD_NAME and POD_NAMESPACE from the downward API).
 * - Nudges: when the config has `nudge`.
 * - Rollout verification: in a Pod, or when the config has `verify`.
 * Nothing here loads the Kubernetes client unless one of them needs it.
 */
export async function clusterParts(config: LoadedConfig, automation: Pick<AutomationConfig, 'git' | 'verify'>, io: CliIo, log: Logger, options: ClusterOptions = {}): Promise<ClusterParts> {
  const kube = await import('../kube/index.ts');
  const counters = new kube.MemoryCounters();
  const reporters: Reporter[] = [];
  const closers: (() => Promise<void>)[] = [];
  const { POD_NAME: name, POD_NAMESPACE: namespace, POD_UID: uid } = io.env;
  let turn: ClusterParts['turn'] = async () => true;
  if (name && namespace && options.once !== true && config.leaderElection.enabled) {
    const id = runAutomationId(automation);
    const leases = new kube.LeaseCoordinator({ client: await kubeClientOf(io), namespace, identity: name, durationMs: config.leaderElection.leaseDuration, log, counters });
    leases.setAutomations([id]);
    leases.start();
    turn = (stop) => leases.whenHeld(id, stop);
    // First on shutdown: released at once, another replica takes over on its next round.
    closers.push(() => leases.stop());
  }
  let recorder: InstanceType<typeof kube.EventRecorder> | undefined;
  if (name && namespace) {
    recorder = new kube.EventRecorder({ client: await kubeClientOf(io), pod: { name, namespace, uid: uid || undefined }, log, counters });
    recorder.start();
    reporters.push(kube.eventReporter(recorder));
  }
  // In a Pod (a workload's tagpilot.io/verify annotation may opt it in), or anywhere the config asks for it.
  // Not for a review flow: its commit is on tagpilot's branch, which the sync loop does not apply.
  if (((name && namespace) || config.verify !== undefined || automation.verify.deadline !== undefined) && automation.verify.enabled && automation.git.pushBranch === undefined) {
    const v = config.verify;
    const verifier = new kube.RolloutVerifier({ client: await kubeClientOf(io), log, events: recorder, counters, onOutcome: options.onVerified, ...(v === undefined ? {} : { intervalMs: v.interval, maxConcurrent: v.maxConcurrent }) });
    reporters.push(kube.verifyReporter(verifier, { deadlineMs: automation.verify.deadline }));
    closers.push(() => verifier.stop());
  }
  if (recorder !== undefined) closers.push(() => recorder.stop());
  const targets = await nudgeTargets(config, io);
  if (targets.length > 0) {
    const nudges = kube.nudgeReporter(targets, { repository: automation.git.url, branch: automation.git.pushBranch ?? automation.git.branch }, { log, counters });
    reporters.push(nudges);
    closers.push(() => nudges.settled());
  }
  const reads = kubeSecretRefs(config).length > 0;
  return {
    reporters,
    turn,
    secretsChanged: () => (reads ? refreshSecrets(io, log) : Promise.resolve(false)),
    async close() {
      for (const close of closers) await close();
    },
  };
}

/** What a config's nudges are, for each of its automations: undefined without a `nudge` section. */
export interface Nudges {
  /** A digest of the targets, secrets included: automations are fingerprinted with it, so a changed target replaces them. */
  fingerprint: string;
  afterPush: AfterPush;
}

/**
 * The controller's share of the cluster, kept in step with each config it applies (the same
 * reload as the automations): one EventRecorder per process in a Pod; one LeaseCoordinator while
 * `leaderElection.enabled` (its lease duration changed in place, started or stopped when the
 * setting flips); nudge targets per config, read with the automations. Nothing loads the
 * Kubernetes client unless one of them needs it.
 */
export class ControllerCluster {
  /** Events, after the log: the same for every config. */
  readonly reporters: Reporter[] = [];
  /** Where rollout verifications write their Events (in a Pod). */
  events?: { record(spec: EventSpec): void };
  private readonly io: CliIo;
  private readonly log: Logger;
  private readonly pod: { name: string; namespace: string; uid?: string } | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly closers: (() => Promise<void>)[] = [];
  private leases: LeaseCoordinator | undefined;
  private reads = false;
  private counters: Counters | undefined;

  private constructor(io: CliIo, log: Logger, counters: Counters | undefined) {
    this.io = io;
    this.log = log;
    this.counters = counters;
    const { POD_NAME: name, POD_NAMESPACE: namespace, POD_UID: uid } = io.env;
    this.pod = name && namespace ? { name, namespace, uid: uid || undefined } : undefined;
  }

  /** In a Pod: the Event recorder, for the life of the process. Leases, Events and nudges count into `counters` (the metrics). */
  static async start(io: CliIo, log: Logger, counters?: Counters): Promise<ControllerCluster> {
    const cluster = new ControllerCluster(io, log, counters);
    if (cluster.pod === undefined) return cluster;
    const kube = await cluster.kube();
    const recorder = new kube.EventRecorder({ client: await kubeClientOf(io), pod: cluster.pod, log, counters: cluster.counters });
    recorder.start();
    cluster.reporters.push(kube.eventReporter(recorder));
    cluster.events = recorder;
    cluster.closers.push(() => recorder.stop());
    return cluster;
  }

  /** The nudges of `config`, their secrets read; nothing changes until an automation built with them runs. */
  async nudges(config: LoadedConfig): Promise<Nudges | undefined> {
    const targets = await nudgeTargets(config, this.io);
    if (targets.length === 0) return undefined;
    const kube = await this.kube();
    const fingerprint = createHash('sha256').update(JSON.stringify(targets)).digest('hex');
    const afterPush: AfterPush = (pushed) => {
      const p = kube.nudge(targets, pushed, { log: this.log, counters: this.counters });
      this.pending.add(p);
      return p.finally(() => this.pending.delete(p));
    };
    return { fingerprint, afterPush };
  }

  /**
   * Puts `config` in force: which Secrets are re-read before a cycle, and its leader election,
   * told to the supervisor (every automation, outside a Pod or with `leaderElection.enabled:
   * false`). A changed lease duration applies at the next round; turned off, the Leases are released.
   */
  async apply(config: LoadedConfig, supervisor: { setLeadership(l: Leadership): void }): Promise<void> {
    this.reads = kubeSecretRefs(config).length > 0;
    const wanted = this.pod !== undefined && config.leaderElection.enabled;
    const durationMs = config.leaderElection.leaseDuration;
    if (wanted && this.leases !== undefined) return this.leases.setDuration(durationMs);
    if (wanted) {
      const kube = await this.kube();
      this.leases = new kube.LeaseCoordinator({ client: await kubeClientOf(this.io), namespace: this.pod!.namespace, identity: this.pod!.name, durationMs, log: this.log, counters: this.counters });
      supervisor.setLeadership(this.leases);
      this.leases.start();
      return;
    }
    const leases = this.leases;
    this.leases = undefined;
    if (leases === undefined) return;
    // Every automation runs here from now on; then the Leases go, for the other replicas to see.
    supervisor.setLeadership(EVERY_AUTOMATION);
    await leases.stop();
  }

  /** Whether a Secret the config reads changed; the controller re-wires its automations then. */
  secretsChanged(): Promise<boolean> {
    return this.reads ? refreshSecrets(this.io, this.log) : Promise.resolve(false);
  }

  /** After the cycles ended: the Leases released first (another replica takes over on its next round), the last Events written, the nudges in flight settled. */
  async close(): Promise<void> {
    await this.leases?.stop();
    this.leases = undefined;
    for (const close of this.closers) await close();
    await Promise.all([...this.pending]);
  }

  private async kube() {
    const kube = await import('../kube/index.ts');
    this.counters ??= new kube.MemoryCounters();
    return kube;
  }
}

async function refreshSecrets(io: CliIo, log: Logger): Promise<boolean> {
  try {
    return await (await secretStoreOf(io)).refresh();
  } catch (error) {
    // The last values stay in use; the next cycle tries again.
    log.warn({ code: (error as { code?: string }).code }, `secrets: ${(error as Error).message}`);
    return false;
  }
}

/**
 * The Lease key of `tagpilot run`'s one automation: the branch it pushes to, in its repository.
 * Replicas with the same config contend for it; the controller keys its Leases by automation name.
 */
export function runAutomationId(automation: Pick<AutomationConfig, 'git'>): string {
  return `${automation.git.url}#${automation.git.pushBranch ?? automation.git.branch}`;
}

async function nudgeTargets(config: LoadedConfig, io: CliIo): Promise<NudgeTarget[]> {
  const n = config.nudge;
  const targets: NudgeTarget[] = [];
  if (n?.argocd !== undefined) targets.push({ kind: 'argocd', url: n.argocd.url, secret: n.argocd.secret === undefined ? undefined : await configSecret(config, io, n.argocd.secret, 'nudge.argocd.secret') });
  if (n?.flux !== undefined) targets.push({ kind: 'flux', url: n.flux.url, type: n.flux.type, token: n.flux.token === undefined ? undefined : await configSecret(config, io, n.flux.token, 'nudge.flux.token') });
  return targets;
}
