import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AutomationConfig, LoadedConfig } from '../config/index.ts';
import type { Counters, EventSpec, VerificationResult } from '../kube/index.ts';
import { Notifier } from '../notify/index.ts';
import type { LookupResult, VerificationLookup } from '../server/index.ts';
import { Followup } from './followup.ts';
import type { CliIo } from './io.ts';
import { resolvedRoutes } from './notify-parts.ts';
import { kubeClientOf } from './wire.ts';

/**
 * The controller's follow-up of its pushes: one rollout verifier per process (bounded by the
 * top-level `verify.maxConcurrent`, looking every `verify.interval`), in a Pod or when any
 * automation asks for verification; without either, notifications only. Its counts go to `counters`
 * (the controller's /metrics).
 */
export async function controllerFollowup(config: LoadedConfig, io: CliIo, log: Logger, parts: { events?: { record(spec: EventSpec): void } | undefined; counters: Counters; onVerified?: (result: VerificationResult) => void }): Promise<Followup> {
  if (!verifies(config, io)) return new Followup({ log });
  const kube = await import('../kube/index.ts');
  const v = config.verify;
  let followup: Followup | undefined;
  const verifier = new kube.RolloutVerifier({
    client: await kubeClientOf(io),
    log,
    events: parts.events,
    counters: parts.counters,
    onOutcome: (result) => {
      parts.onVerified?.(result);
      followup?.outcome(result);
    },
    ...(v === undefined ? {} : { intervalMs: v.interval, maxConcurrent: v.maxConcurrent }),
  });
  followup = new Followup({ log, verification: { verifier, targets: kube.verifyTargets } });
  return followup;
}

/** The controller verifies its rollouts in a Pod, or anywhere its config asks for it. */
export function verifies(config: LoadedConfig, io: CliIo): boolean {
  const inPod = Boolean(io.env.POD_NAME && io.env.POD_NAMESPACE);
  return inPod || config.verify !== undefined || config.automations.some((a) => a.verify.deadline !== undefined);
}

/**
 * The status page's lookup of the outcomes the verifier recorded: the Events `history --verified`
 * reads (readVerifications, bounded in namespaces and Events), a namespace it cannot read named.
 */
export async function recordedLookup(io: CliIo): Promise<VerificationLookup> {
  const [{ readVerifications }, client] = await Promise.all([import('../kube/index.ts'), kubeClientOf(io)]);
  return async (workloads) => {
    const unreadable: LookupResult['unreadable'][number][] = [];
    const found = await readVerifications(client, workloads, (namespace, error) => unreadable.push({ namespace, message: error.message }));
    return { found, unreadable };
  };
}

/**
 * The notifiers of a config's automations, one per distinct set of routes (the top-level ones
 * shared), kept across reloads while their routes and secrets stay the same, so de-duplication
 * and rate limits carry over.
 */
export class Notifiers {
  private known = new Map<string, Notifier>();

  async forAutomations(config: LoadedConfig, automations: readonly AutomationConfig[], io: CliIo, log: Logger): Promise<Map<string, Notifier | undefined>> {
    const next = new Map<string, Notifier>();
    const byAutomation = new Map<string, Notifier | undefined>();
    for (const a of automations) {
      if (a.notify.length === 0) {
        byAutomation.set(a.name, undefined);
        continue;
      }
      const routes = await resolvedRoutes(config, a.notify, a.notifyField, io);
      const key = createHash('sha256').update(JSON.stringify(routes)).digest('hex');
      const notifier = next.get(key) ?? this.known.get(key) ?? new Notifier({ routes, log });
      next.set(key, notifier);
      byAutomation.set(a.name, notifier);
    }
    this.known = next;
    return byAutomation;
  }

  /** Deliveries in flight ended (shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.known.values()].map((n) => n.settled()));
  }
}
