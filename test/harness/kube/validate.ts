import type { Cause } from './status.ts';

/** A stored object: plain JSON, as the API server keeps it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; creationTimestamp?: string; generateName?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A rendered manifest or an API answer, read field by field in a test's assertions (the schemas are kubernetes-models' to check). */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary Kubernetes objects; a wrong path fails the assertion it is in
export type Fields = any;

/** metav1.MicroTime on the wire: RFC 3339 in UTC with exactly six fractional digits, as the API server's parser wants. */
export const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
/** metav1.Time: whole seconds. */
export const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function microTime(value: unknown, field: string, causes: Cause[], required = false): void {
  if (value === undefined || value === null) {
    if (required) causes.push({ field, message: 'Required value' });
    return;
  }
  if (typeof value !== 'string' || !MICRO_TIME.test(value)) causes.push({ field, message: `Invalid value: ${JSON.stringify(value)}: must be a MicroTime (RFC 3339, six fractional digits, e.g. 2026-12-01T10:00:00.000000Z)` });
}

function boundedString(value: unknown, field: string, max: number, causes: Cause[], required: boolean): void {
  if (value === undefined || value === '') {
    if (required) causes.push({ field, message: 'Required value' });
    return;
  }
  if (typeof value !== 'string') causes.push({ field, message: 'Invalid value: must be a string' });
  else if (Buffer.byteLength(value) > max) causes.push({ field, message: `Too long: may not be more than ${max} bytes` });
}

export function validateMetadata(o: KubeObject, causes: Cause[]): void {
  const name = o.metadata?.name;
  if (typeof name !== 'string' || !NAME.test(name)) causes.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'` });
}

/** coordination.k8s.io/v1 Lease: ValidateLeaseSpec, and the wire format of its times. */
export function validateLease(o: KubeObject, causes: Cause[]): void {
  const spec = o.spec;
  if (spec === undefined) return;
  if (!isObj(spec)) {
    causes.push({ field: 'spec', message: 'Invalid value: must be an object' });
    return;
  }
  const known = new Set(['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions', 'strategy', 'preferredHolder']);
  for (const key of Object.keys(spec)) if (!known.has(key)) causes.push({ field: `spec.${key}`, message: 'unknown field' });
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && (!Number.isInteger(duration) || (duration as number) <= 0)) causes.push({ field: 'spec.leaseDurationSeconds', message: `Invalid value: ${JSON.stringify(duration)}: must be greater than 0` });
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && (!Number.isInteger(transitions) || (transitions as number) < 0)) causes.push({ field: 'spec.leaseTransitions', message: `Invalid value: ${JSON.stringify(transitions)}: must be greater than or equal to 0` });
  if (spec.holderIdentity !== undefined && typeof spec.holderIdentity !== 'string') causes.push({ field: 'spec.holderIdentity', message: 'Invalid value: must be a string' });
  microTime(spec.acquireTime, 'spec.acquireTime', causes);
  microTime(spec.renewTime, 'spec.renewTime', causes);
}

/** events.k8s.io/v1 Event: ValidateEventCreate for the v1 API (the strict one). */
export function validateEvent(o: KubeObject, causes: Cause[]): void {
  microTime(o.eventTime, 'eventTime', causes, true);
  boundedString(o.reportingController, 'reportingController', 253, causes, true);
  boundedString(o.reportingInstance, 'reportingInstance', 128, causes, true);
  boundedString(o.action, 'action', 128, causes, true);
  boundedString(o.reason, 'reason', 128, causes, true);
  boundedString(o.note, 'note', 1024, causes, false);
  if (o.type !== 'Normal' && o.type !== 'Warning') causes.push({ field: 'type', message: `Unsupported value: ${JSON.stringify(o.type)}: supported values: "Normal", "Warning"` });
  const regarding = o.regarding;
  if (!isObj(regarding)) causes.push({ field: 'regarding', message: 'Required value' });
  else if (typeof regarding.namespace === 'string' && regarding.namespace !== o.metadata.namespace) causes.push({ field: 'regarding.namespace', message: `Invalid value: ${JSON.stringify(regarding.namespace)}: does not match event.namespace` });
  const series = o.series;
  if (series !== undefined && series !== null) {
    if (!isObj(series)) causes.push({ field: 'series', message: 'Invalid value: must be an object' });
    else {
      if (!Number.isInteger(series.count) || (series.count as number) < 2) causes.push({ field: 'series.count', message: `Invalid value: ${JSON.stringify(series.count)}: should be at least 2` });
      microTime(series.lastObservedTime, 'series.lastObservedTime', causes, true);
    }
  }
  for (const field of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp']) {
    const value = o[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || !TIME.test(value))) causes.push({ field, message: `Invalid value: ${JSON.stringify(value)}: must be a Time (RFC 3339, whole seconds)` });
  }
}

/** An event may change only in its series and note once created (the API server's update validation). */
export function validateEventUpdate(before: KubeObject, after: KubeObject, causes: Cause[]): void {
  for (const field of ['eventTime', 'reportingController', 'reportingInstance', 'action', 'reason', 'type', 'regarding', 'related']) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) causes.push({ field, message: 'field is immutable' });
  }
}
