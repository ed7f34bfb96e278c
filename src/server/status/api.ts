/**
 * The JSON API (`GET <prefix>/api/v1/status`): the snapshot as a document, dates as RFC 3339,
 * each slot with its status. The schema is the one definition of it: the server builds to it and
 * `tagpilot status --server` validates what it is sent against it (a server is untrusted input).
 */
import { z } from 'zod';
import { isCode, type Code } from '../../problems/index.ts';
import type { AutomationSnapshot, StatusSnapshot } from './snapshot.ts';
import { slotStatus } from './view.ts';

const text = z.string().max(4096);
const when = z.iso.datetime({ offset: true });
const code = z.string().refine(isCode, 'not a tagpilot problem code') as unknown as z.ZodType<Code>;
const count = z.number().int().nonnegative();

const hold = z.object({
  // Any kebab-case word: a newer server may know hold kinds this reader does not (docs/status-page.md).
  kind: z.string().regex(/^[a-z][a-z-]{0,39}$/),
  code,
  reason: text,
  by: text.optional(),
  since: text.optional(),
  until: text.optional(),
});

const slot = z.object({
  file: text,
  line: count,
  kind: z.enum(['container', 'kustomize', 'helm', 'marker']),
  workload: text.optional(),
  container: text.optional(),
  repository: text,
  current: text,
  candidate: text.optional(),
  policy: text,
  hold: hold.optional(),
  status: z.enum(['up-to-date', 'updated', 'pending', 'held']),
});

const change = z.object({ file: text, line: count, workload: text.optional(), container: text.optional(), repository: text, from: text, to: text, policy: text });
const problem = z.object({ code, subject: text, message: text, file: text.optional(), line: count.optional() });

const cycle = z.object({
  startedAt: when,
  ms: count,
  result: z.enum(['committed', 'unchanged', 'failed', 'cancelled']),
  head: text.optional(),
  commit: text.optional(),
  changes: z.array(change),
  problems: z.array(problem),
  pullRequest: z.object({ number: count, url: text, action: text }).optional(),
  error: z.object({ code, message: text }).optional(),
});

const historyEntry = z.object({ when, commit: text, author: text, workload: text, container: text.optional(), image: text, from: text, to: text, policy: text.optional(), revertedBy: text.optional() });

const operation = z.object({
  when,
  commit: text,
  author: text,
  operation: text,
  workload: text,
  container: text.optional(),
  by: text,
  at: text,
  reason: text.optional(),
  image: text.optional(),
  from: text.optional(),
  to: text.optional(),
  policy: text.optional(),
  until: text.optional(),
});
const rejection = z.object({ slot: text, tag: text, source: text, by: text.optional(), commit: text.optional(), at: text.optional() });
const verification = z.object({ at: when, commit: text, workload: text, outcome: z.enum(['Verified', 'Failed', 'NotApplied']), reason: text.optional(), detail: text });

const automation = z.object({
  name: text,
  repository: text.optional(),
  branch: text.optional(),
  intervalMs: count,
  running: z.boolean(),
  cycles: count,
  nextAt: when.optional(),
  leaseHolder: text.optional(),
  last: cycle.optional(),
  slots: z.array(slot),
  slotsAt: when.optional(),
  history: z.array(historyEntry),
  // Added after the first servers: a document without them has none.
  operations: z.array(operation).default([]),
  rejections: z.array(rejection).default([]),
  verifications: z.array(verification).default([]),
  commitUrl: text.optional(),
});

const registry = z.object({ host: text, requests: count, errors: count, rateLimited: count, pausedUntil: when.optional() });

const recorded = z.object({ state: z.enum(['reading', 'read', 'unreadable']), readAt: when.optional(), problem: text.optional() });

export const STATUS_DOCUMENT = z.object({ apiVersion: z.literal(1), at: when, automations: z.array(automation), registries: z.array(registry), recorded: recorded.optional() });

export type StatusDocument = z.infer<typeof STATUS_DOCUMENT>;

export function statusDocument(snapshot: StatusSnapshot): StatusDocument {
  // JSON.stringify writes Dates as RFC 3339; the round trip makes the document plain data.
  const plain = JSON.parse(JSON.stringify({ apiVersion: 1, at: snapshot.at, automations: snapshot.automations.map(withStatus), registries: snapshot.registries, recorded: snapshot.recorded })) as StatusDocument;
  return plain;
}

function withStatus(a: AutomationSnapshot) {
  return { ...a, slots: a.slots.map((s) => ({ ...s, status: slotStatus(s, a.last) })) };
}
