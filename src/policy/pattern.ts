/**
 * Compiling user patterns (from annotations, i.e. untrusted repo files) into matchers that run on
 * RE2, a linear-time engine: matching one tag costs at most (compiled size × tag length) steps,
 * whatever the pattern, so no pattern can stall the cycle. Globs are translated to RE2 too. What
 * RE2 cannot run (lookarounds, backreferences) is refused with the feature's name.
 */
import type { RE2JS } from 're2js';
import { TagpilotError } from '../problems/index.ts';
import { globToRegex } from './glob.ts';
import { anchoredPrefix, compileEngine, engineFor, type Engine } from './engines.ts';
import { asciiOnly, oneWay } from './one-way.ts';

export class PatternError extends TagpilotError {
  override name = 'PatternError';

  constructor(message: string, data: Record<string, unknown> = {}) {
    super('pattern-invalid', message, { data });
  }
}

export const MAX_PATTERN_LENGTH = 256;
/**
 * Compiled instructions a pattern may have. Tags have at most 128 characters, so any pattern a tag
 * can need fits (`[0-9a-f]{64}` is 66); `.{1000}` (1,002) does not, and costs matter per step.
 */
export const MAX_PROGRAM_SIZE = 300;

export interface Matcher {
  source: string;
  test(tag: string): boolean;
}

/** A regular expression over tags. */
export interface TagRegex extends Matcher {
  /** What the named group captures in the leftmost match; undefined without a match or a capture. */
  capture(tag: string, group: string): string | undefined;
  /** The names of its named groups, in the order they open. */
  groupNames: readonly string[];
}

/** A glob matched against the whole tag: `*`, `?`, `[a-z]`, `[!a-z]`, `{a,b}`, `\` escapes. */
export function compileGlob(pattern: string): Matcher {
  checkLength(pattern);
  if (pattern.includes('/')) throw new PatternError(`glob "${pattern}" contains "/", which no tag can`);
  const source = globToRegex(pattern, (message) => new PatternError(`glob "${pattern}": ${message}`));
  const engine = compileChecked(source, `glob "${pattern}"`);
  // The common shapes need no engine at all: literal text around `*`s (`*`, `main-*`, `*-rc*`).
  const pieces = starPieces(pattern);
  if (pieces !== undefined) return { source: pattern, test: (tag) => matchesPieces(pieces, tag) };
  return { source: pattern, test: (tag) => engineFor(engine).testExact(tag) };
}

/**
 * A glob of literal text and `*` only, as its literal pieces (`*-rc*` → `['', '-rc', '']`);
 * undefined for any other glob (`?`, brackets, braces), which RE2 runs.
 */
function starPieces(glob: string): string[] | undefined {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '?' || c === '[' || c === '{' || c === '}') return undefined;
    if (c === '\\') piece += glob[++i] ?? '';
    else if (c !== '*') piece += c;
    else if (glob[i + 1] !== '*') {
      pieces.push(piece);
      piece = '';
    }
  }
  pieces.push(piece);
  return pieces;
}

/**
 * The whole tag matches literal pieces joined by `*`: the first at the start, the last at the end,
 * each between them at its leftmost place after the one before (leftmost is always safe when the
 * only wildcard is `*`). No backtracking: at most one search per piece.
 */
function matchesPieces(pieces: readonly string[], tag: string): boolean {
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return tag === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (tag.length < first.length + last.length || !tag.startsWith(first) || !tag.endsWith(last)) return false;
  let at = first.length;
  const end = tag.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = tag.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** An RE2 regular expression, unanchored unless it anchors itself; never one matching "". */
export function compileRegex(pattern: string): TagRegex {
  checkLength(pattern);
  const feature = unsupportedFeature(pattern);
  if (feature !== undefined) {
    throw new PatternError(`regular expression "${pattern}" uses ${feature}, which the linear-time engine cannot run`, { feature });
  }
  const engine = compileChecked(pattern, `regular expression "${pattern}"`);
  const compiled = engineFor(engine);
  // `^v1|` (a stray "|") or `v?` would match every tag: a typo must not turn into "update to anything".
  if (compiled.test('')) throw new PatternError(`regular expression "${pattern}" matches the empty string, so it would match every tag`);
  const groups = compiled.namedGroups();
  const groupNames = Object.keys(groups).sort((a, b) => (groups[a] ?? 0) - (groups[b] ?? 0));
  const prefix = anchoredPrefix(compiled);
  const onRe2 = {
    test: (tag: string) => tag.startsWith(prefix) && engineFor(engine).test(tag),
    capture: (tag: string, group: string) => (tag.startsWith(prefix) ? captureOf(engine, tag, group, prefix !== '') : undefined),
  };
  const fast = oneWay(pattern);
  if (fast === undefined) return { source: pattern, groupNames, ...onRe2 };
  // One way through the pattern: V8 runs it with RE2's answers, several times faster (one-way.ts).
  const regexp = fast.regexp;
  const groupAt = new Map(Object.entries(groups));
  return {
    source: pattern,
    groupNames,
    // The literal prefix first: most tags of a list fail it, for less than the ASCII check costs.
    test: (tag) => tag.startsWith(prefix) && (asciiOnly(tag) ? regexp.test(tag) : onRe2.test(tag)),
    capture: (tag, group) => {
      const at = groupAt.get(group);
      // A group the pattern does not name goes to RE2 too, which says so as it always did.
      if (at === undefined || !asciiOnly(tag)) return onRe2.capture(tag, group);
      return tag.startsWith(prefix) ? (regexp.exec(tag)?.[at] ?? undefined) : undefined;
    },
  };
}

/** One reusable matcher per compiled program: creating one per tag costs more than the match. */
const matchers = new WeakMap<RE2JS, ReturnType<RE2JS['matcher']>>();

/** `filtered`: the tag starts with the pattern's literal prefix, so it most likely matches: no DFA pass first. */
function captureOf(engine: Engine, tag: string, group: string, filtered: boolean): string | undefined {
  const compiled = engineFor(engine);
  // The DFA answers "no match" for a fraction of what the capture search costs.
  if (!filtered && !compiled.test(tag)) return undefined;
  let matcher = matchers.get(compiled);
  if (matcher === undefined) matchers.set(compiled, (matcher = compiled.matcher(tag)));
  else matcher.resetMatcherInput(tag);
  return matcher.find() ? (matcher.group(group) ?? undefined) : undefined;
}

function compileChecked(source: string, what: string): Engine {
  let engine: Engine;
  try {
    engine = compileEngine(source);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error parsing regexp: /, '');
    throw new PatternError(`invalid ${what}: ${reason}`);
  }
  const size = engineFor(engine).programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new PatternError(`${what} is too large: it compiles to ${size} instructions, at most ${MAX_PROGRAM_SIZE} are allowed (a tag has at most 128 characters)`, { size });
  }
  return engine;
}

function checkLength(pattern: string): void {
  if (pattern.length === 0) throw new PatternError('empty pattern');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  }
}

/** Group openers RE2 does not have, by the feature's name. */
const UNSUPPORTED_GROUPS: readonly (readonly [string, string])[] = [
  ['(?=', 'a lookahead "(?=…)"'],
  ['(?!', 'a negative lookahead "(?!…)"'],
  ['(?<=', 'a lookbehind "(?<=…)"'],
  ['(?<!', 'a negative lookbehind "(?<!…)"'],
  ['(?>', 'an atomic group "(?>…)"'],
];

/** Escapes RE2 does not have (after the backslash), by the feature's name. */
function unsupportedEscape(next: string): string | undefined {
  if (/[1-9]/.test(next)) return `a backreference "\\${next}"`;
  if (next === 'k') return 'a named backreference "\\k<…>"';
  if (next === 'u') return 'a "\\u" escape (write "\\x{…}" instead)';
  return undefined;
}

/**
 * The first construct in `pattern` that RE2 cannot run, named for the error; undefined when there
 * is none (RE2's own parser reports anything else it rejects).
 */
function unsupportedFeature(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'Q') {
        // \Q…\E is literal text: nothing inside is syntax.
        const end = pattern.indexOf('\\E', i + 2);
        if (end < 0) return undefined;
        i = end + 1;
        continue;
      }
      const refused = unsupportedEscape(next);
      if (refused !== undefined) return refused;
      i++;
    } else if (c === '[') {
      i = classEnd(pattern, i);
    } else if (c === '(') {
      const group = UNSUPPORTED_GROUPS.find(([opener]) => pattern.startsWith(opener, i));
      if (group !== undefined) return group[1];
    } else if ((c === '*' || c === '+' || c === '?') && pattern[i + 1] === '+' && pattern[i - 1] !== '(') {
      return `a possessive quantifier "${c}+"`;
    }
  }
  return undefined;
}

/** The index of the `]` closing the class opened at `start` (RE2 rules: a leading `]` is literal). */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern.startsWith('[:', i)) i = Math.max(i, pattern.indexOf(':]', i + 2) + 1);
    else if (pattern[i] === ']') return i;
  }
  return pattern.length;
}
