import { createHash, randomBytes } from 'node:crypto';
import type { KubeClient, ObjectRef } from './client.ts';
import type { Counters, Log } from './counters.ts';
import { MemoryCounters } from './counters.ts';
import { REASONS, type EventSpec, type WorkloadId } from './cycle-events.ts';
import { kubeError } from './errors.ts';

export interface EventRecorderOptions {
  client: KubeClient;
  /** tagpilot's own Pod (the downward API: POD_NAME, POD_NAMESPACE, POD_UID): where Events go that have no workload in the cluster. */
  pod: { name: string; namespace: string; uid?: string };
  now?: () => number;
  log: Log;
  counters?: Counters;
  /** Distinct Events remembered for folding repeats; the least recently seen is forgotten past it. */
  maxSeries?: number;
  /** A repeat after this long since the last one starts a new Event instead of a series. */
  seriesWindowMs?: number;
  /** Writes to the API: a burst, then this many per minute; past it, Events are dropped (and counted). */
  burst?: number;
  perMinute?: number;
  /** How long a workload lookup (found, missing or forbidden) is reused. */
  lookupTtlMs?: number;
}

const CONTROLLER = 'tagpilot.io/controller';
const NOTE_BYTES = 1024;

interface Series {
  namespace: string;
  name: string;
  count: number;
  lastObserved: number;
  /** The count the API last got. */
  written: number;
  created: Promise<boolean>;
}

/**
 * Writes events.k8s.io/v1 Events, best effort: `record` never throws and never waits; an API
 * failure is logged and counted. A repeat (same object, reason, action and note) is folded into
 * the first Event's series (count, last time), written at most once per `flush`; the API sees a
 * bounded rate of writes whatever the cycles report, and memory holds a bounded number of series.
 */
export class EventRecorder {
  private readonly o: Required<Omit<EventRecorderOptions, 'counters' | 'pod'>> & Pick<EventRecorderOptions, 'pod'> & { counters: Counters };
  private readonly series = new Map<string, Series>();
  private readonly lookups = new Map<string, { ref: Promise<ObjectRef | undefined>; at: number }>();
  private readonly pending = new Set<Promise<unknown>>();
  private tokens: number;
  private refilledAt: number;
  private warnedForbidden = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: EventRecorderOptions) {
    this.o = { now: Date.now, counters: new MemoryCounters(), maxSeries: 1000, seriesWindowMs: 30 * 60_000, burst: 25, perMinute: 30, lookupTtlMs: 5 * 60_000, ...options };
    this.tokens = this.o.burst;
    this.refilledAt = this.o.now();
  }

  /** Writes the series that moved every `everyMs` (a minute), until `stop`. */
  start(everyMs = 60_000): void {
    this.timer ??= setInterval(() => void this.flush(), everyMs);
    this.timer.unref();
  }

  /** On shutdown: the last series counts written, nothing left pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  record(spec: EventSpec): void {
    this.track(this.write(spec, this.o.now()).catch((error: unknown) => this.failed('record', error)));
  }

  /** Writes every series whose count moved since it was last written; resolves when all writes settle. */
  async flush(): Promise<void> {
    await this.settled();
    for (const s of this.series.values()) if (s.count > s.written) this.track(this.patch(s));
    await this.settled();
  }

  private async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** `now`: when the cycle reported it, not when the lookup before the write ended. */
  private async write(spec: EventSpec, now: number): Promise<void> {
    const regarding = await this.regarding(spec.workload);
    const note = truncate(regarding.kind === 'Pod' && regarding.name === this.o.pod.name && spec.workload !== undefined ? `${id(spec.workload)}: ${spec.note}` : spec.note);
    const key = createHash('sha256')
      .update(JSON.stringify([regarding.namespace, regarding.kind, regarding.name, spec.reason, spec.action, note]))
      .digest('hex');
    const known = this.series.get(key);
    if (known !== undefined && now - known.lastObserved < this.o.seriesWindowMs && (await known.created)) {
      known.count += 1;
      known.lastObserved = now;
      this.touch(key, known);
      this.o.counters.inc('tagpilot_events_total', { reason: spec.reason, written: 'folded' });
      return;
    }
    if (!this.take()) {
      this.o.counters.inc('tagpilot_events_dropped_total', { reason: spec.reason });
      return;
    }
    const name = `${regarding.name}.${randomBytes(8).toString('hex')}`.slice(-253).replace(/^[.-]+/, '');
    const created = this.o.client.createEvent({ name, namespace: regarding.namespace, regarding, reason: spec.reason, action: spec.action, type: REASONS[spec.reason], note, eventTime: now, reportingController: CONTROLLER, reportingInstance: this.o.pod.name.slice(0, 128) }).then(
      () => true,
      (error: unknown) => {
        this.series.delete(key);
        this.failed('create', error);
        return false;
      },
    );
    this.touch(key, { namespace: regarding.namespace, name, count: 1, lastObserved: now, written: 1, created });
    if (await created) this.o.counters.inc('tagpilot_events_total', { reason: spec.reason, written: 'created' });
  }

  private async patch(s: Series): Promise<void> {
    if (!(await s.created)) return;
    if (!this.take()) {
      this.o.counters.inc('tagpilot_events_dropped_total', { reason: 'series' });
      return;
    }
    const count = s.count;
    try {
      await this.o.client.patchEventSeries(s.namespace, s.name, { count, lastObservedTime: s.lastObserved });
      s.written = count;
    } catch (error) {
      this.failed('patch', error);
    }
  }

  /** Most recently seen last; the oldest is forgotten past the bound. */
  private touch(key: string, s: Series): void {
    this.series.delete(key);
    this.series.set(key, s);
    while (this.series.size > this.o.maxSeries) this.series.delete(this.series.keys().next().value!);
  }

  private take(): boolean {
    const now = this.o.now();
    this.tokens = Math.min(this.o.burst, this.tokens + ((now - this.refilledAt) / 60_000) * this.o.perMinute);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The workload when it exists in the cluster (looked up by name; one lookup at a time per workload, cached), else tagpilot's own Pod. */
  private async regarding(workload: WorkloadId | undefined): Promise<ObjectRef> {
    const pod: ObjectRef = { apiVersion: 'v1', kind: 'Pod', namespace: this.o.pod.namespace, name: this.o.pod.name, ...(this.o.pod.uid === undefined ? {} : { uid: this.o.pod.uid }) };
    if (workload === undefined) return pod;
    const key = id(workload);
    let cached = this.lookups.get(key);
    if (cached === undefined || this.o.now() - cached.at >= this.o.lookupTtlMs) {
      cached = { ref: this.lookup(workload, key), at: this.o.now() };
      this.lookups.delete(key);
      this.lookups.set(key, cached);
      while (this.lookups.size > this.o.maxSeries) this.lookups.delete(this.lookups.keys().next().value!);
    }
    return (await cached.ref) ?? pod;
  }

  private async lookup(workload: WorkloadId, key: string): Promise<ObjectRef | undefined> {
    try {
      const found = await this.o.client.getWorkload(workload.kind, workload.namespace, workload.name);
      return { apiVersion: found.apiVersion, kind: found.kind, namespace: found.namespace, name: found.name, ...(found.uid === undefined ? {} : { uid: found.uid }) };
    } catch (error) {
      const e = kubeError(error, `get ${key}`);
      if (e.code === 'kube-forbidden' && !this.warnedForbidden) {
        this.warnedForbidden = true;
        this.o.log.info({ code: e.code }, "events: workloads cannot be read (add the workload-events component of config/ to attach Events to them); Events go to tagpilot's Pod");
      } else if (e.code !== 'kube-not-found' && e.code !== 'kube-forbidden') this.failed('lookup', e);
      return undefined;
    }
  }

  private failed(action: string, error: unknown): void {
    const e = kubeError(error, `events: ${action}`);
    this.o.counters.inc('tagpilot_event_errors_total', { action, code: e.code });
    this.o.log.warn({ action, code: e.code }, e.message);
  }
}

const id = (w: WorkloadId) => `${w.namespace}:${w.kind.toLowerCase()}/${w.name}`;

function truncate(note: string): string {
  if (Buffer.byteLength(note) <= NOTE_BYTES) return note;
  let cut = note.slice(0, NOTE_BYTES - 3);
  while (Buffer.byteLength(cut) > NOTE_BYTES - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}
