/**
 * The status page's view model: a snapshot turned into what people read (states, labels, times
 * relative to now, links), with nothing rendered yet. Pure: same snapshot and clock, same view.
 */
import type { HistoryEntry, HoldKind, OperationEntry, OperationVerb, RejectedTag, SlotState } from '../../automation/index.ts';
import type { AutomationSnapshot, CycleRecord, StatusSnapshot, VerificationRecord } from './snapshot.ts';

/** Slot rows shown per automation (after the filter); the rest are counted, and the JSON API has them all. */
export const MAX_ROWS = 200;
/** The longest search text read from a query. */
export const MAX_QUERY = 200;

/** What the page's search and state filter ask for: slots whose text holds `q`, in state `show`. */
export interface SlotFilter {
  q?: string;
  show?: SlotStatus;
}

export const SLOT_STATUSES: readonly SlotStatus[] = ['up-to-date', 'updated', 'pending', 'held'];

/** The filter a query string asks for; anything unreadable is no filter. */
export function filterFrom(params: URLSearchParams): SlotFilter {
  const filter: SlotFilter = {};
  const q = params.get('q')?.trim().toLowerCase().slice(0, MAX_QUERY);
  if (q !== undefined && q !== '') filter.q = q;
  const show = params.get('show');
  if (show !== null && (SLOT_STATUSES as readonly string[]).includes(show)) filter.show = show as SlotStatus;
  return filter;
}
/** History rows shown per automation (changes, operations, rejections and verifications, newest first). */
export const MAX_HISTORY_ROWS = 30;

/** `updated`: committed by the last cycle; `pending`: will move once its hold ends, its pull request is merged or the next push lands; `held`: waits for a person or a fix. */
export type SlotStatus = 'up-to-date' | 'updated' | 'pending' | 'held';

export interface SlotView {
  workload: string;
  container: string;
  where: string;
  repository: string;
  current: string;
  candidate?: string;
  policy: string;
  status: SlotStatus;
  hold?: { kind: HoldKind; label: string; reason: string; by?: string; since?: string; until?: string };
  /** Lower-case text the search matches. */
  search: string;
}

/** One row of an automation's history: a change tagpilot made, an operation, a rejected tag, a verification. */
export interface HistoryView {
  /** RFC 3339; empty when not known (a pull request closed at an unknown time). */
  when: string;
  kind: 'update' | 'operation' | 'rejection' | 'verification';
  /** The badge: `update`, `lock`, `policy set`, `rejected`, `verified`, … and its colour. */
  label: string;
  tone: 'ok' | 'pending' | 'held' | 'none';
  commit?: string;
  short?: string;
  url?: string;
  workload: string;
  /** The change, the tags or policy an operation set; empty when the event says it all (a lock). */
  what: string;
  who?: string;
  why?: string;
  /** The short id of the revert that undid an update, while it stands. */
  reverted?: string;
}

export interface AutomationView {
  /** For anchors and ids: derived from the name, unique in the page. */
  id: string;
  name: string;
  repository?: string;
  branch?: string;
  health: 'ok' | 'failing' | 'running' | 'new';
  last?: { when: string; ago: string; result: string; ms: number; commit?: string; commitUrl?: string; error?: string; problems: number };
  next?: { when: string; in: string };
  leaseHolder?: string;
  counts: Record<SlotStatus, number>;
  slots: SlotView[];
  /** Slots the filter left out, and those past MAX_ROWS. */
  filtered: number;
  hidden: number;
  history: HistoryView[];
}

export interface RegistryView {
  host: string;
  requests: number;
  errors: number;
  rateLimited: number;
  /** `paused until 12:03:04 (Retry-After)`, or `ok`. */
  state: string;
}

export interface StatusView {
  at: string;
  filter: SlotFilter;
  totals: Record<SlotStatus, number> & { automations: number; failing: number };
  automations: AutomationView[];
  registries: RegistryView[];
  /** What the page says when the verification outcomes recorded in the cluster are not (yet) read. */
  recorded?: { state: 'reading' | 'unreadable'; text: string };
}

/**
 * How the page names a hold, and whether it ends by itself (the candidate is then pending, not
 * stuck). Exhaustive: a hold kind added to SlotState fails the typecheck here until it is named.
 */
export function holdKind(kind: HoldKind): { label: string; waits: boolean } {
  switch (kind) {
    case 'locked':
      return { label: 'locked', waits: false };
    case 'frozen':
      return { label: 'frozen', waits: true };
    case 'soaking':
      return { label: 'soaking', waits: true };
    case 'rejected':
      return { label: 'rejected', waits: false };
    case 'out-of-range':
      return { label: 'out of range', waits: false };
    case 'other-variant':
      return { label: 'other variant', waits: false };
    case 'registry':
      return { label: 'registry problem', waits: false };
    case 'problem':
      return { label: 'problem', waits: false };
    default:
      return unnamed(kind);
  }
}

function unnamed(kind: never): never {
  throw new Error(`hold kind ${String(kind)} has no name on the status page`);
}

export function statusView(snapshot: StatusSnapshot, filter: SlotFilter = {}): StatusView {
  const now = snapshot.at;
  const ids = new Map<string, number>();
  const automations = snapshot.automations.map((a) => automationView(a, now, uniqueId(a.name, ids), filter));
  const totals = { automations: automations.length, failing: automations.filter((a) => a.health === 'failing').length, 'up-to-date': 0, updated: 0, pending: 0, held: 0 };
  for (const a of automations) for (const status of Object.keys(a.counts) as SlotStatus[]) totals[status] += a.counts[status];
  const registries = snapshot.registries.map((r): RegistryView => ({ host: r.host, requests: r.requests, errors: r.errors, rateLimited: r.rateLimited, state: r.pausedUntil === undefined || r.pausedUntil <= now ? 'ok' : `paused for ${duration(r.pausedUntil.getTime() - now.getTime())} (Retry-After)` }));
  const view: StatusView = { at: now.toISOString(), filter, totals, automations, registries };
  const recorded = recordedView(snapshot.recorded);
  if (recorded !== undefined) view.recorded = recorded;
  return view;
}

/** Nothing to say once the outcomes are read; else what the history lacks, and why. */
function recordedView(r: StatusSnapshot['recorded']): StatusView['recorded'] {
  if (r === undefined || r.state === 'read') return undefined;
  if (r.state === 'reading') return { state: 'reading', text: 'Reading the verification outcomes recorded in the cluster…' };
  const since = r.readAt === undefined ? '' : `, and those read at ${r.readAt.toISOString().slice(11, 19)} UTC`;
  return { state: 'unreadable', text: `The verification outcomes recorded in the cluster cannot be read (${r.problem ?? 'unknown error'}): the history shows those this controller saw${since}.` };
}

function automationView(a: AutomationSnapshot, now: Date, id: string, filter: SlotFilter): AutomationView {
  const all = a.slots.map((s) => slotView(s, a.last));
  const counts = { 'up-to-date': 0, updated: 0, pending: 0, held: 0 };
  for (const s of all) counts[s.status]++;
  const chosen = all.filter((s) => (filter.show === undefined || s.status === filter.show) && (filter.q === undefined || s.search.includes(filter.q)));
  const shown = chosen.slice(0, MAX_ROWS);
  const view: AutomationView = { id, name: a.name, health: health(a), counts, slots: shown, filtered: all.length - chosen.length, hidden: chosen.length - shown.length, history: historyViews(a) };
  if (a.repository !== undefined) view.repository = a.repository;
  if (a.branch !== undefined) view.branch = a.branch;
  if (a.leaseHolder !== undefined) view.leaseHolder = a.leaseHolder;
  if (a.last !== undefined) view.last = lastView(a.last, now, a.commitUrl);
  if (a.nextAt !== undefined) view.next = { when: a.nextAt.toISOString(), in: relative(a.nextAt.getTime() - now.getTime()) };
  return view;
}

function health(a: AutomationSnapshot): AutomationView['health'] {
  if (a.running) return 'running';
  if (a.last === undefined) return 'new';
  return a.last.result === 'failed' ? 'failing' : 'ok';
}

function lastView(last: CycleRecord, now: Date, commitUrl: string | undefined): NonNullable<AutomationView['last']> {
  const view: NonNullable<AutomationView['last']> = { when: last.startedAt.toISOString(), ago: relative(last.startedAt.getTime() - now.getTime()), result: last.result, ms: last.ms, problems: last.problems.length };
  if (last.commit !== undefined) {
    view.commit = last.commit;
    const url = commitLink(commitUrl, last.commit);
    if (url !== undefined) view.commitUrl = url;
  }
  if (last.error !== undefined) view.error = `${last.error.code}: ${last.error.message}`;
  return view;
}

function slotView(s: SlotState, last: CycleRecord | undefined): SlotView {
  const status = slotStatus(s, last);
  const view: SlotView = { workload: s.workload ?? s.file, container: s.container ?? '-', where: `${s.file}:${s.line}`, repository: s.repository, current: s.current, policy: s.policy, status, search: '' };
  if (s.candidate !== undefined) view.candidate = s.candidate;
  if (s.hold !== undefined) view.hold = { ...s.hold, label: holdKind(s.hold.kind).label };
  view.search = [view.workload, view.container, view.where, view.repository, view.current, view.candidate, view.policy, status, view.hold?.label, view.hold?.reason, view.hold?.by]
    .filter((t) => t !== undefined)
    .join(' ')
    .toLowerCase();
  return view;
}

/** A slot's status: held or pending by its hold, updated when the last cycle committed its candidate. */
export function slotStatus(s: SlotState, last: CycleRecord | undefined): SlotStatus {
  if (s.hold !== undefined) return holdKind(s.hold.kind).waits && s.candidate !== undefined ? 'pending' : 'held';
  if (s.candidate === undefined) return 'up-to-date';
  const committed = last?.commit !== undefined && last.changes.some((c) => c.file === s.file && c.line === s.line && c.to === s.candidate);
  // A review flow's commit is on its own branch: the update waits for the pull request's merge.
  return committed && last?.pullRequest === undefined ? 'updated' : 'pending';
}

/** Every sort of history entry in one list, newest first; entries of unknown time last. */
function historyViews(a: AutomationSnapshot): HistoryView[] {
  const rows = [...a.history.map(updateView), ...a.operations.map(operationView), ...a.rejections.map(rejectionView), ...a.verifications.map(verificationView)];
  for (const row of rows) {
    if (row.commit === undefined) continue;
    row.short = row.commit.slice(0, 12);
    const url = commitLink(a.commitUrl, row.commit);
    if (url !== undefined) row.url = url;
  }
  return rows.sort((x, y) => (x.when === y.when ? 0 : x.when < y.when ? 1 : -1)).slice(0, MAX_HISTORY_ROWS);
}

function updateView(h: HistoryEntry): HistoryView {
  const view: HistoryView = { when: h.when, kind: 'update', label: 'update', tone: 'ok', commit: h.commit, workload: slotName(h.workload, h.container), what: `${h.image} ${h.from} → ${h.to}`, who: h.author };
  if (h.policy !== undefined) view.why = `policy ${h.policy}`;
  if (h.revertedBy !== undefined) Object.assign(view, { reverted: h.revertedBy.slice(0, 12), tone: 'held' });
  return view;
}

function operationView(o: OperationEntry): HistoryView {
  const { label, tone } = operationVerb(o.operation);
  const parts = [o.image, o.from === undefined && o.to === undefined ? undefined : `${o.from ?? '?'} → ${o.to ?? '?'}`, o.policy === undefined ? undefined : `policy ${o.policy}`, o.until === undefined ? undefined : `until ${o.until}`];
  const what = parts.filter((p) => p !== undefined).join(' ');
  const view: HistoryView = { when: validTime(o.at) ?? o.when, kind: 'operation', label, tone, commit: o.commit, workload: slotName(o.workload, o.container), what, who: o.by };
  if (o.reason !== undefined) view.why = o.reason;
  return view;
}

/** How the page names an operation. Exhaustive: a new verb fails the typecheck here until it is named. */
export function operationVerb(verb: OperationVerb): { label: string; tone: HistoryView['tone'] } {
  switch (verb) {
    case 'lock':
    case 'freeze':
    case 'deautomate':
      return { label: verb, tone: 'held' };
    case 'unlock':
    case 'unfreeze':
    case 'automate':
      return { label: verb, tone: 'ok' };
    case 'release':
    case 'rollback':
      return { label: verb, tone: 'pending' };
    case 'auto-revert':
      return { label: 'auto-revert', tone: 'held' };
    case 'policy-set':
      return { label: 'policy set', tone: 'pending' };
    default:
      return unnamed(verb);
  }
}

function rejectionView(r: RejectedTag): HistoryView {
  const view: HistoryView = { when: validTime(r.at) ?? '', kind: 'rejection', label: 'rejected', tone: 'held', workload: r.slot.endsWith(' -') ? r.slot.slice(0, -2) : r.slot, what: `${r.tag} turned down` };
  if (r.commit !== undefined) view.commit = r.commit;
  if (r.by !== undefined) view.who = r.by;
  view.why = r.commit === undefined ? `closed unmerged: ${r.source}` : 'reverted or edited by hand';
  return view;
}

const VERIFICATION: Record<VerificationRecord['outcome'], { label: string; tone: HistoryView['tone'] }> = {
  Verified: { label: 'verified', tone: 'ok' },
  Failed: { label: 'verify failed', tone: 'held' },
  NotApplied: { label: 'not applied', tone: 'pending' },
};

function verificationView(v: VerificationRecord): HistoryView {
  const view: HistoryView = { when: v.at.toISOString(), kind: 'verification', ...VERIFICATION[v.outcome], commit: v.commit, workload: v.workload, what: v.detail };
  if (v.reason !== undefined) view.why = v.reason;
  return view;
}

function slotName(workload: string, container: string | undefined): string {
  return container === undefined ? workload : `${workload} ${container}`;
}

/** A time as RFC 3339 in UTC, or undefined for text that is none (trailers are written by people's tools). */
function validTime(text: string | undefined): string | undefined {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A link only to an http(s) page and only for a commit id: nothing else from Git reaches an href. */
export function commitLink(template: string | undefined, commit: string): string | undefined {
  if (template === undefined || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(commit)) return undefined;
  const url = template.replaceAll('{commit}', commit);
  try {
    return ['http:', 'https:'].includes(new URL(url).protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An automation's commit URL from the configured template: `{path}` stands for its Git URL's
 * path without `.git` (`org/fleet`), so one template serves every repository of a Git host
 * (`https://github.com/{path}/commit/{commit}`). A path with anything but plain name characters
 * gives no link.
 */
export function commitUrlOf(template: string | undefined, gitUrl: string): string | undefined {
  if (template === undefined || !template.includes('{path}')) return template;
  const path = repositoryPath(gitUrl);
  return path === undefined ? undefined : template.replaceAll('{path}', path);
}

function repositoryPath(gitUrl: string): string | undefined {
  let path = /^[^@/:]+@[^:/]+:(?!\/)(.+)$/.exec(gitUrl)?.[1];
  if (path === undefined) {
    try {
      path = new URL(gitUrl).pathname;
    } catch {
      return undefined;
    }
  }
  path = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  return /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(path) && !path.split('/').includes('..') ? path : undefined;
}

function uniqueId(name: string, seen: Map<string, number>): string {
  const base = `a-${
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 48) || 'automation'
  }`;
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  return n === 1 ? base : `${base}-${n}`;
}

/** `3 min ago`, `in 40 s`: from a signed difference in ms (negative: the past). */
export function relative(ms: number): string {
  const text = duration(Math.abs(ms));
  return ms < 0 ? `${text} ago` : `in ${text}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
