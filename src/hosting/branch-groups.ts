import { createHash } from 'node:crypto';
import { minimatch } from 'minimatch';

/** One review branch per target, per workload, or per group of workloads. */
export type BranchPer = 'target' | 'workload' | 'group';

/** A configured group: a change joins the first one whose given matchers (globs) all match. */
export interface ReviewGroup {
  name: string;
  /** Workload ids, `namespace:kind/name`. */
  workloads?: readonly string[];
  /** Repositories as written in the files. */
  images?: readonly string[];
  files?: readonly string[];
}

/** What a slot or change says of itself that grouping reads. */
export interface Placed {
  file: string;
  workload?: string;
  repository: string;
}

/** The longest `{group}` in a branch name; longer ones are cut and made unique with a hash. */
export const MAX_GROUP_LENGTH = 60;
const HASH_LENGTH = 8;

const matches = (globs: readonly string[] | undefined, value: string | undefined) => globs === undefined || (value !== undefined && globs.some((g) => minimatch(value, g, { nocomment: true, nonegate: true, dot: true })));

/**
 * The group a slot belongs to, as a key that tells a group from a workload of the same name: a
 * configured group's name (branchPer group), or else its workload (its file when it has none).
 */
export function groupKey(place: Placed, per: Exclude<BranchPer, 'target'>, groups: readonly ReviewGroup[] = []): string {
  if (per === 'group') {
    const group = groups.find((g) => matches(g.workloads, place.workload) && matches(g.images, place.repository) && matches(g.files, place.file));
    if (group !== undefined) return `group:${group.name}`;
  }
  return place.workload === undefined ? `file:${place.file}` : `workload:${place.workload}`;
}

/** The readable part of a key: `web`, `shop:deployment/web`, `apps/web.yaml`. */
export function keyName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

/**
 * A key as one ref-name component: letters, digits, `.`, `_` and `-` kept, every other run of
 * characters one `-`, no `..`, no leading `.` or `-`, no trailing `.`, `-` or `.lock`.
 */
export function sanitise(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .replace(/(?:\.lock|[.-])+$/i, '');
  return cleaned === '' ? 'x' : cleaned;
}

function hashed(base: string, key: string, salt = ''): string {
  const hash = createHash('sha256').update(`${key}${salt}`).digest('hex').slice(0, HASH_LENGTH);
  const kept = base.slice(0, MAX_GROUP_LENGTH - HASH_LENGTH - 1).replace(/[.-]+$/, '');
  return kept === '' ? hash : `${kept}-${hash}`;
}

/**
 * Each key's `{group}`, from every key the automation has (not only those pending), so a name
 * does not change from one cycle to the next while the workloads stay. A name cut to length, or
 * one that two keys would share after sanitising, gets a short hash of its key instead.
 */
export function groupNames(keys: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(keys)].sort();
  const plain = new Map(sorted.map((k) => [k, sanitise(keyName(k))]));
  const uses = new Map<string, number>();
  for (const name of plain.values()) uses.set(name, (uses.get(name) ?? 0) + 1);
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const key of sorted) {
    const name = plain.get(key)!;
    let chosen = name.length <= MAX_GROUP_LENGTH && uses.get(name) === 1 ? name : hashed(name, key);
    // A hashed name that happens to equal another key's: salted until free (in practice, never).
    for (let salt = 1; taken.has(chosen); salt++) chosen = hashed(name, key, String(salt));
    taken.add(chosen);
    names.set(key, chosen);
  }
  return names;
}

/** The review branch from the template: `{branch}` is the target, `{group}` the group's name. */
export function branchName(template: string, target: string, group?: string): string {
  return template.replaceAll('{branch}', target).replaceAll('{group}', group ?? '');
}

/** The part of every group's branch name before `{group}`: the prefix their pull requests are listed by. */
export function groupPrefix(template: string, target: string): string {
  const at = template.indexOf('{group}');
  return (at < 0 ? template : template.slice(0, at)).replaceAll('{branch}', target);
}
