import { createHash } from 'node:crypto';
import type { Lease } from './client.ts';

/**
 * Leader election, decided without I/O: given what a replica last read of a Lease, when it first
 * saw that version (its own clock), who should hold it and the time now, what to do next.
 *
 * Expiry is judged as client-go judges it: by how long *this* replica has seen the same
 * resourceVersion, never by the holder's renewTime, so clocks that disagree between nodes cannot
 * make two replicas both think they lead. Git's compare-and-swap stays the safety net anyway.
 */
export type LeaseAction =
  /** No Lease yet: create it with us as holder. */
  | 'create'
  /** We hold it and should: write a new renewTime. */
  | 'renew'
  /** Free or expired, and ours to take: become holder (one more transition). */
  | 'take'
  /** We hold it, but another live replica should: give it up (holder cleared). */
  | 'release'
  /** Someone else holds it, or it is theirs to take. */
  | 'wait';

export interface LeaseView {
  lease: Lease | undefined;
  /** When this replica first read `lease.resourceVersion` (or found no Lease), ms on its own clock. */
  observedAt: number;
  me: string;
  /** Who should hold it among the live replicas (`preferredHolder`). */
  preferred: string;
  now: number;
  durationMs: number;
}

export function decideLease(v: LeaseView): LeaseAction {
  const { lease, me } = v;
  const unchangedFor = v.now - v.observedAt;
  // A Lease nobody writes is anybody's after twice its duration: a preferred replica that never comes (an older config) cannot strand it.
  const abandoned = unchangedFor >= 2 * v.durationMs;
  if (lease === undefined) return v.preferred === me || abandoned ? 'create' : 'wait';
  if (lease.holder === me) return v.preferred === me ? 'renew' : 'release';
  const duration = (lease.durationS ?? v.durationMs / 1000) * 1000;
  const free = lease.holder === undefined || unchangedFor >= duration;
  if (!free) return 'wait';
  return v.preferred === me || abandoned ? 'take' : 'wait';
}

/** When a Lease we hold should be renewed next: a third of its duration, less up to 20% (jitter spreads replicas' writes). */
export function renewDelay(durationMs: number, random: number): number {
  const base = durationMs / 3;
  return Math.round(base - base * 0.2 * random);
}

/**
 * How long a holder trusts its own hold after its last successful write: two thirds of the
 * duration (client-go's renewDeadline), so a replica cut off from the API stops running an
 * automation before any other replica may take its Lease.
 */
export function holdsUntil(lastWriteAt: number, durationMs: number): number {
  return lastWriteAt + Math.floor((durationMs * 2) / 3);
}

/** A live replica and the automations its config has (by `automationKey`). */
export interface Member {
  identity: string;
  serves: ReadonlySet<string>;
}

/** A short, stable key of an automation id, as members announce what they serve. */
export function automationKey(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}

/**
 * Which live replica should hold an automation: rendezvous (highest random weight) hashing over
 * the members that serve it, so every replica computes the same answer from the same members,
 * the automations spread evenly, and a replica that joins or leaves moves only its share. A
 * replica whose config lacks the automation (a reload in progress) is never preferred for it.
 */
export function preferredHolder(automation: string, members: readonly Member[]): string {
  const key = automationKey(automation);
  let best = '';
  let bestWeight = '';
  for (const { identity: m, serves } of members) {
    if (!serves.has(key)) continue;
    const weight = createHash('sha256').update(`${m}\n${automation}`).digest('hex');
    if (weight > bestWeight) [best, bestWeight] = [m, weight];
  }
  return best;
}

/** The Lease name of an automation: DNS-safe, at most 63 characters, unique by a hash of the whole id. */
export function leaseName(prefix: string, id: string): string {
  const slug = id
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, '-')
    .replaceAll(/^-+|-+$/g, '')
    .slice(0, 63 - prefix.length - 10);
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${prefix}${slug === '' ? '' : `${slug}-`}${hash}`;
}
