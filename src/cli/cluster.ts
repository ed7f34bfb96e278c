import type { Logger } from 'pino';
import { kubeSecretRefs, type AutomationConfig, type LoadedConfig } from '../config/index.ts';
import type { EventSpec, NudgeTarget, VerificationResult } from '../kube/index.ts';
import type { AfterPush, Leadership, Reporter } from '../runtime/index.ts';
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

/** What `tagpilot controller` takes from the cluster: read once at start (a reload that changes them applies at the next restart). */
export interface ControllerClusterParts {
  /** The automations' Leases, keyed by automation name; undefined: this replica runs every automation. */
  leadership?: Leadership;
  /** Events, after the log. */
  reporters: Reporter[];
  /** Nudges the sync loops after a push. */
  afterPush?: AfterPush;
  /** Where rollout verifications write their Events (in a Pod). */
  events?: { record(spec: EventSpec): void };
  /** Whether a Secret the config reads changed; the controller re-wires its automations then. */
  secretsChanged(): Promise<boolean>;
  /** After the cycles ended: the Leases released, the last Events written, the nudges in flight settled. */
  close(): Promise<void>;
}

/**
 * The controller's share of the cluster: one LeaseCoordinator and one EventRecorder per process
 * (in a Pod), one set of nudge targets (when configured). Nothing loads the Kubernetes client
 * unless one of them needs it.
 */
export async function controllerClusterParts(config: LoadedConfig, io: CliIo, log: Logger): Promise<ControllerClusterParts> {
  const { POD_NAME: name, POD_NAMESPACE: namespace, POD_UID: uid } = io.env;
  const inPod = Boolean(name && namespace);
  const targets = await nudgeTargets(config, io);
  const reads = kubeSecretRefs(config).length > 0;
  const parts: ControllerClusterParts = { reporters: [], secretsChanged: async () => false, close: async () => undefined };
  if (!inPod && targets.length === 0 && !reads) return parts;
  const kube = await import('../kube/index.ts');
  const counters = new kube.MemoryCounters();
  const closers: (() => Promise<void>)[] = [];
  if (name && namespace && config.leaderElection.enabled) {
    const leases = new kube.LeaseCoordinator({ client: await kubeClientOf(io), namespace, identity: name, durationMs: config.leaderElection.leaseDuration, log, counters });
    leases.start();
    parts.leadership = leases;
    // First on close: released at once, another replica takes over on its next round.
    closers.push(() => leases.stop());
  }
  if (name && namespace) {
    const recorder = new kube.EventRecorder({ client: await kubeClientOf(io), pod: { name, namespace, uid: uid || undefined }, log, counters });
    recorder.start();
    parts.reporters.push(kube.eventReporter(recorder));
    parts.events = recorder;
    closers.push(() => recorder.stop());
  }
  if (targets.length > 0) {
    const pending = new Set<Promise<void>>();
    parts.afterPush = (pushed) => {
      const p = kube.nudge(targets, pushed, { log, counters });
      pending.add(p);
      return p.finally(() => pending.delete(p));
    };
    closers.push(async () => void (await Promise.all([...pending])));
  }
  if (reads) parts.secretsChanged = () => refreshSecrets(io, log);
  parts.close = async () => {
    for (const close of closers) await close();
  };
  return parts;
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
