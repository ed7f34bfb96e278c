/**
 * Compiling user patterns (from annotations, i.e. untrusted repo files) into matchers, with bounds:
 * pattern length, and a static guard against the regex shapes that backtrack catastrophically.
 * The guard is a heuristic, not a proof; tags are at most 128 characters, which bounds the rest.
 */
import { setFlagsFromString } from 'node:v8';
import { Minimatch } from 'minimatch';
import { TagpilotError } from '../problems/index.ts';

// Defence in depth for what the static guard below cannot see (`(a|a)*b`, `.*.*.*.*x`): after
// too many backtracks V8 reruns the match on its linear-time engine, same result. Process-wide,
// harmless to other regexes (they only switch engines when they would have stalled anyway).
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

export class PatternError extends TagpilotError {
  override name = 'PatternError';

  constructor(message: string, options?: ErrorOptions) {
    super('pattern-invalid', message, options);
  }
}

export const MAX_PATTERN_LENGTH = 256;

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

export function compileGlob(pattern: string): Matcher {
  checkLength(pattern);
  if (pattern.includes('/')) throw new PatternError(`glob "${pattern}" contains "/", which no tag can`);
  // Comments and negation would turn a typo into "match nothing"/"match everything"; extglobs
  // compile to nested regex groups. Tags need none of them.
  const glob = new Minimatch(pattern, { nocomment: true, nonegate: true, noext: true, dot: true });
  return { source: pattern, test: (tag) => glob.match(tag) };
}

export function compileRegex(pattern: string): TagRegex {
  checkLength(pattern);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new PatternError(`invalid regular expression "${pattern}": ${(error as Error).message}`);
  }
  checkBacktracking(pattern);
  // `^v1|` (a stray "|") or `v?` would match every tag: a typo must not turn into "update to anything".
  if (regex.test('')) throw new PatternError(`regular expression "${pattern}" matches the empty string, so it would match every tag`);
  const groupNames = [...pattern.matchAll(NAMED_GROUP)].map((match) => match[1] ?? '');
  return {
    source: pattern,
    groupNames,
    test: (tag) => regex.test(tag),
    capture: (tag, group) => regex.exec(tag)?.groups?.[group],
  };
}

const NAMED_GROUP = /\(\?<([A-Za-z_$][A-Za-z0-9_$]*)>/g;

function checkLength(pattern: string): void {
  if (pattern.length === 0) throw new PatternError('empty pattern');
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  }
}

interface Group {
  start: number;
  end: number;
  /** The group's body contains a repeating quantifier. */
  repeats: boolean;
}

/**
 * Rejects backreferences and a repeated group that itself contains a repetition (`(a+)+`,
 * `(\w*)*`, `(\d+){2,}`), the shapes with exponential backtracking, unless each iteration of the
 * group starts with a separator its inside cannot match (`(\.\d+)*`), which makes it unambiguous.
 */
function checkBacktracking(pattern: string): void {
  const open: Group[] = [];
  let closed: Group | undefined; // the group just closed, if the next token quantifies it
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const previous = closed;
    closed = undefined;
    if (c === '\\') {
      if (/[1-9k]/.test(pattern[i + 1] ?? '')) throw new PatternError(`regular expression "${pattern}" uses a backreference`);
      i++;
    } else if (c === '[') {
      i = classEnd(pattern, i);
    } else if (c === '(') {
      open.push({ start: i, end: i, repeats: false });
    } else if (c === ')') {
      closed = open.pop();
      if (closed === undefined) continue;
      closed.end = i;
      if (closed.repeats) markRepeat(open);
    } else {
      const width = repeatWidth(pattern, i);
      if (width === 0) continue;
      if (previous?.repeats && !separated(pattern, previous)) {
        throw new PatternError(`regular expression "${pattern}" nests repetitions (may backtrack catastrophically)`);
      }
      markRepeat(open);
      i += width - 1;
    }
  }
}

function markRepeat(stack: Group[]): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.repeats = true;
}

function classEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']' && i > start + 1) return i;
  }
  return pattern.length;
}

const BRACES = /^\{(\d+)(,(\d*))?\}/;

/** Length of a repeating quantifier at `i` (`*`, `+`, `{n,}`, `{n,m}` with m > 1, lazy `?`), else 0. */
function repeatWidth(pattern: string, i: number): number {
  const c = pattern[i];
  const lazy = pattern[i + 1] === '?' ? 1 : 0;
  if (c === '*' || c === '+') return 1 + lazy;
  if (c !== '{') return 0;
  const match = BRACES.exec(pattern.slice(i));
  if (match === null) return 0;
  const max = match[2] === undefined ? Number(match[1]) : match[3] === '' ? Infinity : Number(match[3]);
  return max > 1 ? match[0].length + (pattern[i + match[0].length] === '?' ? 1 : 0) : 0;
}

/**
 * True when the group's body starts with a literal separator (`.` escaped, `-` or `_`) that
 * nothing else in the body can match: then each repetition has one way to start.
 */
function separated(pattern: string, group: Group): boolean {
  const inside = pattern.slice(group.start + 1, group.end).replace(/^\?(?::|<[A-Za-z_][A-Za-z0-9_]*>)/, '');
  const lead = LEADING_SEPARATOR.exec(inside);
  if (lead === null) return false;
  const sep = lead[1] ?? lead[2] ?? '';
  const body = inside.slice(lead[0].length);
  if (body.includes('[^') || body.includes('(') || /\\[WSDBs]/.test(body)) return false;
  if (sep === '_' && body.includes('\\w')) return false;
  const classes = body.match(CLASS) ?? [];
  const outside = body.replace(CLASS, '');
  // Outside classes an unescaped "." is a wildcard, which matches any separator.
  if (outside.includes(sep) || /(^|[^\\])\./.test(outside)) return false;
  return classes.every((cls) => !cls.slice(1, -1).replace(RANGE, '').includes(sep));
}

/** `\.`, `\-`, `\_`, or a bare `-` or `_`. */
const LEADING_SEPARATOR = /^(?:\\([.\-_])|([-_]))/;
const CLASS = /\[(?:\\.|[^\]\\])*\]/g;
/** `a-z` inside a class: its "-" is syntax, not a character the class matches. */
const RANGE = /[^\\]-[^\]]/g;
