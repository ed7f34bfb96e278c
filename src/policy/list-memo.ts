/**
 * What a selection reads from each tag (its validity, its version, a pattern's capture), kept per
 * tag list. The registry layer hands the same list object to every slot, policy and automation
 * within its TTL, so a tag is parsed once per list, not once per selection. Pure memoisation: a
 * column holds exactly what its function returns for the tag, and the memo is dropped with the list.
 */
import type { TagInfo } from './types.ts';

/** Below this, reading the tags again costs less than keeping them. */
const MIN_TAGS = 64;
/** Columns per list: the validity, the version, and a few patterns' captures. */
const MAX_COLUMNS = 12;

/** A column's cells are empty until read; this marks a computed `undefined`. */
const NONE = Symbol('none');

/** One function's results over a list, by index; read through `cell`. */
export type Column = unknown[];

const memos = new WeakMap<readonly TagInfo[], ListMemo>();

export class ListMemo {
  readonly #tags: string[];
  readonly #columns = new Map<string, Column>();
  readonly #kept = new Map<string, unknown>();
  /** Selections made over the list so far, this one included. */
  selections = 0;

  constructor(tags: readonly TagInfo[]) {
    this.#tags = tags.map((info) => info.tag);
  }

  /** The list still holds the tags it held when the memo was made (a caller may have changed it). */
  holds(tags: readonly TagInfo[]): boolean {
    const names = this.#tags;
    if (names.length !== tags.length) return false;
    for (let i = 0; i < names.length; i++) if (names[i] !== (tags[i] as TagInfo).tag) return false;
    return true;
  }

  /** The column named `key` (one per function of the tag); undefined when the list has enough. */
  column(key: string): Column | undefined {
    let column = this.#columns.get(key);
    if (column === undefined && this.#room()) this.#columns.set(key, (column = new Array<unknown>(this.#tags.length)));
    return column;
  }

  /**
   * A compact structure over the list named `key` (typed arrays: nothing per tag for V8 to trace),
   * made on first use, or from the `from`th selection on: filling one costs the first selection
   * more than it saves it, so a structure only later selections gain from waits for them.
   */
  kept<T>(key: string, make: (length: number) => T, from = 1): T | undefined {
    if (this.selections < from) return undefined;
    let kept = this.#kept.get(key) as T | undefined;
    if (kept === undefined && this.#room()) this.#kept.set(key, (kept = make(this.#tags.length)));
    return kept;
  }

  #room(): boolean {
    return this.#columns.size + this.#kept.size < MAX_COLUMNS;
  }
}

/** The memo of a list: made on its first selection, kept while the list lives. */
export function memoOf(tags: readonly TagInfo[]): ListMemo | undefined {
  if (tags.length < MIN_TAGS) return undefined;
  let memo = memos.get(tags);
  if (memo?.holds(tags) !== true) memos.set(tags, (memo = new ListMemo(tags)));
  memo.selections++;
  return memo;
}

/** `compute(tag)` for the tag at `at`, from the column when it holds it (each cell is computed once). */
export function cell<T>(column: Column | undefined, at: number, tag: string, compute: (tag: string) => T): T {
  if (column === undefined) return compute(tag);
  const known = column[at];
  if (known !== undefined) return (known === NONE ? undefined : known) as T;
  const value = compute(tag);
  column[at] = value === undefined ? NONE : value;
  return value;
}
