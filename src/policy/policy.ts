import semver from 'semver';
import type { CurrentImage, PolicyNeeds, Rejection, Selection, TagInfo } from './types.ts';
import { isValidTag } from '../image/ref.ts';

export class PolicyError extends Error {
  override name = 'PolicyError';
}

export interface SemverPolicy {
  kind: 'semver';
  /** The policy as written, for messages and commits. */
  source: string;
  range: semver.Range;
}

export type Policy = SemverPolicy;

export function parsePolicy(text: string): Policy {
  const source = text.trim();
  const colon = source.indexOf(':');
  const kind = colon < 0 ? source : source.slice(0, colon);
  const arg = colon < 0 ? '' : source.slice(colon + 1).trim();
  if (kind !== 'semver') throw new PolicyError(`unknown policy kind "${kind}" in "${text}"`);
  if (arg === '') throw new PolicyError(`policy "${text}" needs a range after "semver:"`);
  try {
    return { kind, source, range: new semver.Range(arg) };
  } catch {
    throw new PolicyError(`invalid semver range "${arg}" in policy "${text}"`);
  }
}

export function policyNeeds(_policy: Policy): PolicyNeeds {
  return { created: false, digests: false, platforms: false };
}

/** Picks the highest tag the policy allows; never below the current tag. */
export function selectTag(policy: Policy, tags: readonly TagInfo[], now: CurrentImage = {}): Selection {
  const current = now.tag;
  const rejected: Rejection[] = [];
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const { tag } of tags) {
    if (!isValidTag(tag)) {
      rejected.push({ tag, reason: 'invalid-tag' });
      continue;
    }
    const version = semver.parse(tag, { loose: true });
    if (version === null) {
      rejected.push({ tag, reason: 'not-a-version' });
      continue;
    }
    if (!policy.range.test(version)) {
      rejected.push({ tag, reason: 'outside-range' });
      continue;
    }
    if (best === undefined || semver.gt(version, best.version)) best = { tag, version };
  }
  const currentVersion = current === undefined ? null : semver.parse(current, { loose: true });
  if (best === undefined) return { selected: current ?? null, changed: false, rejected };
  if (currentVersion !== null && semver.gte(currentVersion, best.version)) {
    return { selected: current ?? null, changed: false, rejected };
  }
  return { selected: best.tag, changed: best.tag !== current, rejected };
}
