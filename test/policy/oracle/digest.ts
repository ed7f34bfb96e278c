/** Frozen copy of the selection engine as it was at main bb6152d, before the reasons were made lazy: the test oracle of test/policy/oracle.test.ts. Not used by src/. */
/**
 * `digest:<tag>`: follow a mutable tag (`stable`, `1.25`) and pin the digest it points to, so the
 * slot changes exactly when the image behind the tag does.
 */
import type { DigestPolicy } from '../../../src/policy/policy.ts';
import { screen, screenMetadata } from './screen.ts';
import type { CurrentImage, Rejection, Selection, TagInfo } from '../../../src/policy/types.ts';

export function selectDigest(policy: DigestPolicy, tags: readonly TagInfo[], current: CurrentImage, now: number): Selection {
  const follow = policy.follow ?? current.tag;
  const rejected: Rejection[] = [];
  let found: TagInfo | undefined;
  for (const info of tags) {
    const rejection = screen(info) ?? followed(info, follow) ?? screenMetadata(policy.filters, info, now);
    if (rejection === undefined) found = info;
    else rejected.push(rejection);
  }
  if (found?.digest === undefined) return keep(current, rejected, follow === undefined ? 'no tag to follow: the slot has no tag' : `${follow} is not a candidate`);
  const changed = found.tag !== current.tag || found.digest !== current.digest;
  return {
    selected: found.tag,
    digest: found.digest,
    changed,
    rejected,
    why: changed ? `${found.tag} now points to ${found.digest}` : `${found.tag} still points to ${found.digest}`,
  };
}

function followed(info: TagInfo, follow: string | undefined): Rejection | undefined {
  if (info.tag !== follow) return { tag: info.tag, reason: 'filter-mismatch', detail: `policy follows ${follow ?? 'the current tag'}` };
  if (info.digest === undefined) return { tag: info.tag, reason: 'missing-digest' };
  return undefined;
}

function keep(current: CurrentImage, rejected: Rejection[], why: string): Selection {
  const selection: Selection = { selected: current.tag ?? null, changed: false, rejected, why };
  if (current.digest !== undefined) selection.digest = current.digest;
  return selection;
}
