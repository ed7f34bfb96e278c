/**
 * What the verifier left in the API that outlives the process: its outcome Events on the
 * workloads (docs/verification.md). `tagpilot history --verified` reads them back, next to each
 * commit; Git stays the only state for every decision, and an Event the API has expired (an hour,
 * by default) is simply not shown.
 */
import type { KubeClient, ListedEvent } from './client.ts';

/** One verification outcome of one commit on one workload, as `history` shows it. */
export interface Verified {
  outcome: 'Verified' | 'Failed' | 'NotApplied';
  reason?: string;
  /** RFC 3339. */
  at?: string;
  detail: string;
}

const REASONS = new Set(['Verified', 'RolloutFailed', 'NotApplied']);
const CONTROLLER = 'tagpilot.io/controller';
const NOTE = /^(Verified|Failed|NotApplied)(?: \(([A-Za-z0-9]{1,64})\))?: ([\s\S]*) \(commit ([0-9a-f]{12}), automation [^)]*\)$/;
/** Namespaces read per call, and Events per namespace: a history over thousands of namespaces reads the first ones only. */
export const MAX_NAMESPACES = 50;
export const MAX_EVENTS = 1_000;

/** The outcomes these Events record for `workload` (`namespace:kind/name`), by the commit's first 12 hex digits; pure. */
export function verificationsOf(events: readonly ListedEvent[], workload: string): Map<string, Verified> {
  const id = /^([^:]+):([^/]+)\/(.+)$/.exec(workload);
  const found = new Map<string, Verified>();
  if (id === null) return found;
  for (const e of events) {
    if (e.reportingController !== CONTROLLER || !REASONS.has(e.reason ?? '') || e.regarding?.name !== id[3] || e.regarding?.kind?.toLowerCase() !== id[2]!.toLowerCase()) continue;
    const m = NOTE.exec(e.note ?? '');
    if (m === null) continue;
    const verified: Verified = { outcome: m[1] as Verified['outcome'], detail: m[3]!, ...(m[2] === undefined ? {} : { reason: m[2] }), ...(e.at === undefined ? {} : { at: e.at }) };
    const known = found.get(m[4]!);
    // The latest outcome of a commit wins (a deadline passed, then the rollout completed, say).
    if (known === undefined || (verified.at ?? '') >= (known.at ?? '')) found.set(m[4]!, verified);
  }
  return found;
}

/** The Events of each workload's namespace, read once per namespace (bounded); a namespace that cannot be read gives none. */
export async function readVerifications(client: Pick<KubeClient, 'listEvents'>, workloads: readonly string[], onError: (namespace: string, error: Error) => void): Promise<Map<string, Map<string, Verified>>> {
  const namespaces = [...new Set(workloads.map((w) => w.split(':')[0]!))].slice(0, MAX_NAMESPACES);
  const events = new Map<string, ListedEvent[]>();
  await Promise.all(
    namespaces.map(async (ns) => {
      try {
        events.set(ns, await client.listEvents(ns, MAX_EVENTS));
      } catch (error) {
        onError(ns, error as Error);
      }
    }),
  );
  return new Map(workloads.map((w) => [w, verificationsOf(events.get(w.split(':')[0]!) ?? [], w)]));
}
