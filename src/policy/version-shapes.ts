/**
 * A tag list's versions, kept compact: per tag a 16-bit code for what the compatibility rules read
 * of it (not a version, a commit hash, or its variant and precision), and one representative
 * `Shape` per distinct code, a few tens in a real list. A selection checks each shape once and
 * reads as versions again only the tags whose shape passes: 2 bytes per tag are kept instead of a
 * Version object (some 180 bytes), and V8 has nothing per tag to trace.
 */
import { BUILD_NUMBER, type Shape } from './compat.ts';
import { isCommitHash, type Version } from './version.ts';

export const UNREAD = 0;
export const NOT_A_VERSION = 1;
export const COMMIT_HASH = 2;
const FIRST_SHAPE = 3;
/** Distinct shapes kept per list; a hostile list of more is read again for the rest, never grows this. */
const MAX_SHAPES = 4096;

/** Per variant, a code for each precision: 1 to 4 parts, and a one-part build number. */
const SLOTS = 5;

export class VersionShapes {
  readonly codes: Uint16Array;
  readonly #shapes: Shape[] = [];
  /** Per variant (the plain one first), the codes of its precisions, 0 for one not seen yet. */
  readonly #byVariant = new Map<string, number[]>([['', new Array<number>(SLOTS).fill(UNREAD)]]);

  constructor(length: number) {
    this.codes = new Uint16Array(length);
  }

  /** The shape behind a code of FIRST_SHAPE or above. */
  shape(code: number): Shape {
    return this.#shapes[code - FIRST_SHAPE] as Shape;
  }

  /** The code of a tag read as `version`; UNREAD when the list has too many shapes to keep another. */
  codeOf(version: Version | null, tag: string): number {
    if (version === null) return isCommitHash(tag) ? COMMIT_HASH : NOT_A_VERSION;
    const parts = version.release.length;
    const build = parts === 1 && (version.release[0] ?? 0) >= BUILD_NUMBER;
    // No key is built: this runs for every version of a list the first time it is selected.
    let codes = this.#byVariant.get(version.variant);
    if (codes === undefined) {
      if (this.#shapes.length >= MAX_SHAPES) return UNREAD;
      this.#byVariant.set(version.variant, (codes = new Array<number>(SLOTS).fill(UNREAD)));
    }
    const slot = build ? 0 : parts;
    const known = codes[slot] ?? UNREAD;
    if (known !== UNREAD) return known;
    if (this.#shapes.length >= MAX_SHAPES) return UNREAD;
    const code = FIRST_SHAPE + this.#shapes.length;
    this.#shapes.push({ variant: version.variant, release: parts === 1 ? [build ? BUILD_NUMBER : 0] : new Array<number>(parts).fill(0) });
    codes[slot] = code;
    return code;
  }
}
