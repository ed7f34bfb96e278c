/**
 * The revert rule's I/O: the branch's first-parent history read through the repository port
 * (bounded to a window of commits), folded into rejections (reverts.ts), and each hand edit
 * found in the history of its file, so `plan` can say who moved the slot and where.
 */
import { parseImageRef } from '../image/index.ts';
import { decodeManifest, findSlots, MAX_FILE_BYTES, type ImageSlot } from '../manifests/index.ts';
import type { RepositorySession } from './ports.ts';
import { type RejectedTags, slotKey, type RejectedTag } from './rejections.ts';
import { foldReverts, tagOf, type HistoryCommit, type Unattributed } from './reverts.ts';

/** Commits of the branch read for the revert rule: a write older than this many commits is no longer guarded. */
export const DEFAULT_HISTORY_COMMITS = 1_000;
/** Hand edits looked up per cycle in their file's history; the rest say only "a commit after …". */
export const MAX_ATTRIBUTIONS = 20;

/** Who moved a slot after tagpilot's write, once found: the history behind a commit never changes. */
type Found = Pick<RejectedTag, 'source' | 'by' | 'commit' | 'at'> | null;
/**
 * Per repository session, the attributions the last fold looked up, and only those: a move that
 * left the window (or was cleared) is forgotten, so a controller that runs for months keeps at
 * most MAX_ATTRIBUTIONS per repository, not one per hand edit it ever saw.
 */
const memory = new WeakMap<object, Map<string, Found>>();

/** The tags people moved slots away from, derived from the branch's history at `head`. */
export async function revertRejections(repo: RepositorySession, head: string, slots: readonly ImageSlot[], maxCommits = DEFAULT_HISTORY_COMMITS, signal?: AbortSignal): Promise<RejectedTags> {
  const history = await repo.firstParents(head, maxCommits, signal);
  const current = new Map<string, string>();
  const files = new Map<string, string>();
  for (const slot of slots) {
    const value = slotValue(slot);
    if (value === undefined) continue;
    current.set(slotKey(slot), value);
    files.set(slotKey(slot), slot.file);
  }
  const { rejected, unattributed } = foldReverts(history, current);
  const known = memory.get(repo);
  const found = new Map<string, Found>();
  for (const move of unattributed.slice(0, MAX_ATTRIBUTIONS)) {
    const id = `${move.slot}\0${move.after}`;
    const by = known?.has(id) === true ? known.get(id)! : await attribute(repo, history, move, files.get(move.slot));
    found.set(id, by);
    const r = rejected.get(move.slot, move.tag);
    if (by !== null && r !== undefined) Object.assign(r, by);
  }
  if (found.size === 0) memory.delete(repo);
  else memory.set(repo, found);
  return rejected;
}

/** The slot's value as trailers write it: `1.2.0`, or `1.2.0@sha256:…` when pinned. */
export function slotValue(slot: ImageSlot): string | undefined {
  try {
    const ref = parseImageRef(slot.image);
    const tag = ref.tag ?? 'latest';
    return ref.digest === undefined ? tag : `${tag}@${ref.digest}`;
  } catch {
    return undefined;
  }
}

/** The first commit after tagpilot's write in which the slot (read from its file) no longer holds the tag written. */
async function attribute(repo: RepositorySession, newestFirst: readonly HistoryCommit[], move: Unattributed, file: string | undefined): Promise<Found> {
  if (file === undefined) return null;
  const from = newestFirst.findIndex((c) => c.oid === move.after);
  const to = move.before === undefined ? 0 : newestFirst.findIndex((c) => c.oid === move.before);
  if (from < 0 || to < 0) return null;
  let lastBlob: string | undefined;
  let lastTag: string | undefined = move.tag;
  for (let i = from - 1; i >= to; i--) {
    const c = newestFirst[i]!;
    const listed = (await repo.listFiles(c.oid, [file], (p) => p === file)).files.find((f) => f.path === file);
    if (listed === undefined) return null;
    if (listed.oid !== lastBlob) {
      lastBlob = listed.oid;
      lastTag = await tagIn(repo, listed, move.slot);
    }
    if (lastTag !== move.tag) return { source: `commit ${c.oid}`, by: c.author, commit: c.oid, at: new Date(c.time * 1000).toISOString() };
  }
  return null;
}

async function tagIn(repo: RepositorySession, file: { path: string; oid: string; size: number }, key: string): Promise<string | undefined> {
  const decoded = decodeManifest(file.path, await repo.readBlob(file, MAX_FILE_BYTES).catch(() => new Uint8Array()));
  if (!('file' in decoded)) return undefined;
  const slot = findSlots([decoded.file]).slots.find((s) => slotKey(s) === key);
  const value = slot === undefined ? undefined : slotValue(slot);
  return value === undefined ? undefined : tagOf(value);
}
