/**
 * What the reliability scenarios share: the slots they automate (one per ordering: semver,
 * glob by build time, numerical), a seeded random generator, and the server-side `update` hook
 * that records every ref move and refuses anything but a fast-forward.
 */
import { createHash } from 'node:crypto';

export interface Series {
  repo: string;
  file: string;
  policy: string;
  /** Tags in arrival order; index 0 is the initial one. Later is newer under the policy. */
  tags: string[];
  name(n: number): string;
}

export const ZERO = '0'.repeat(40);

/** Three slots, one per ordering; build-time tags are named at random, so name order and build order disagree. */
export function seriesFor(seed: number): Series[] {
  const hex = (n: number) => createHash('sha1').update(`${seed}:${n}`).digest('hex').slice(0, 7);
  return [
    { repo: 'team/web', file: 'apps/web.yaml', policy: 'semver:^1', tags: [], name: (n) => `1.${n}.0` },
    { repo: 'team/worker', file: 'apps/worker.yaml', policy: 'glob:main-*', tags: [], name: (n) => `main-${hex(n)}` },
    { repo: 'team/batch', file: 'apps/batch.yaml', policy: 'numerical', tags: [], name: (n) => String(n + 1) },
  ];
}

/** A seeded generator, so a failing run can be replayed with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An `update` hook appending `ms ref old new` (and `refused` for a non-fast-forward, which it refuses) to `log`. */
export const UPDATE_HOOK = (log: string) => `ref="$1"; old="$2"; new="$3"
now=$(date +%s%3N)
if [ "$old" != "${ZERO}" ] && ! git merge-base --is-ancestor "$old" "$new"; then
  echo "$now $ref $old $new refused" >> ${log}
  echo "update hook: not a fast-forward" >&2
  exit 1
fi
echo "$now $ref $old $new" >> ${log}
`;

/** The tag a slot's file holds for its series' repository. */
export function slotValue(text: string, s: Series): string | undefined {
  return new RegExp(`/${s.repo}:(\\S+)`).exec(text)?.[1];
}
