/**
 * `digest:<tag>`: follow a mutable tag (`stable`, `1.25`) and pin the digest it points to, so the
 * slot changes exactly when the image behind the tag does.
 */
import type { DigestPolicy } from './policy.ts';
import { Rejected } from './ranking.ts';
import { withReasons } from './reasons.ts';
import { INVALID_TAG, screenMetadata, validTag } from './screen.ts';
import type { CurrentImage, Selection, TagInfo } from './types.ts';

const MISSING_DIGEST = new Rejected('missing-digest');
/** Marks a tag that passed: it is not listed among the rejections. */
const PASSED = Symbol('passed');

export function selectDigest(policy: DigestPolicy, tags: readonly TagInfo[], current: CurrentImage, now: number): Selection {
  const follow = policy.follow ?? current.tag;
  const other = new Rejected('filter-mismatch', `policy follows ${follow ?? 'the current tag'}`);
  const verdicts = new Array<unknown>(tags.length);
  let found: TagInfo | undefined;
  for (let at = 0; at < tags.length; at++) {
    const info = tags[at] as TagInfo;
    const verdict = !validTag(info.tag) ? INVALID_TAG : info.tag !== follow ? other : info.digest === undefined ? MISSING_DIGEST : screenMetadata(policy.filters, info, now);
    verdicts[at] = verdict ?? PASSED;
    if (verdict === undefined) found = info;
  }
  const outcomes = { tags, verdicts, unlisted: null };
  if (found?.digest === undefined) return keep(current, follow === undefined ? 'no tag to follow: the slot has no tag' : `${follow} is not a candidate`, outcomes);
  const changed = found.tag !== current.tag || found.digest !== current.digest;
  return withReasons(
    {
      selected: found.tag,
      digest: found.digest,
      changed,
      why: changed ? `${found.tag} now points to ${found.digest}` : `${found.tag} still points to ${found.digest}`,
    },
    outcomes,
  );
}

function keep(current: CurrentImage, why: string, outcomes: Parameters<typeof withReasons>[1]): Selection {
  const selection: Omit<Selection, 'rejected'> = { selected: current.tag ?? null, changed: false, why };
  if (current.digest !== undefined) selection.digest = current.digest;
  return withReasons(selection, outcomes);
}
