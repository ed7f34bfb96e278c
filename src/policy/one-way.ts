/**
 * Tag patterns with one way through them, which V8's own RegExp runs with RE2's answers in
 * linear time (RE2's capture search costs some 1.7 µs a tag, V8's 0.2 µs). A pattern qualifies when
 * it is anchored with `^`, and is a sequence of single characters (a literal, `.`, `\d`, `\w`,
 * `\s`, a class of ASCII letters, digits and escaped punctuation), each with a greedy count
 * (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), inside groups that are not repeated, with alternations
 * only of words of single characters that begin with different characters; and every character a
 * variable count can take is one that nothing which can come next can begin with
 * (`^main-(?<n>\d+)-`, `^(?<order>\d{4}-\d{2}-\d{2})$`, `^v?(?P<version>\d+\.\d+\.\d+)$`).
 *
 * Why that is exact and linear: each count must then take the longest run it can (a shorter run
 * would leave a character that whatever comes next cannot begin with), and an alternation has one
 * alternative that can begin. So a tag has at most one way through the pattern from its start:
 * RE2 and a backtracking engine both find that one, with the same captures, or both find none; and
 * a backtracking engine gives back at most one character of a run before the next step fails, so
 * it takes at most (pattern size × tag length) steps, as RE2 does. Anything else runs on RE2, and
 * so does any text with a character outside ASCII (the classes here are their ASCII part).
 * test/policy/one-way.test.ts checks the answers against RE2's over random patterns and tags.
 */

/** The ASCII characters a single-character atom matches: bit `c & 31` of word `c >> 5`. */
type CharSet = readonly [number, number, number, number];

type Element =
  /** One character of `set`, between `min` and `max` times (Infinity for no bound). */
  | { kind: 'chars'; set: CharSet; min: number; max: number }
  /** One of several words of single characters, in a group (`(?:main|pr)`). */
  | { kind: 'words'; words: CharSet[][]; capturing: boolean }
  | { kind: 'open'; capturing: boolean }
  | { kind: 'close' };

/** A pattern with one way through it, as a V8 RegExp. */
export interface OneWay {
  regexp: RegExp;
}

/** The pattern as a V8 RegExp when it has one way through it (above); undefined otherwise. */
export function oneWay(source: string): OneWay | undefined {
  const elements = parse(source);
  if (elements === undefined || !deterministic(elements.body)) return undefined;
  return { regexp: new RegExp(`^${elements.body.map(emit).join('')}${elements.end ? '$' : ''}`) };
}

/** Text V8 matches as RE2 does for a one-way pattern: ASCII only. */
export function asciiOnly(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

interface Parsed {
  body: Element[];
  /** The pattern ends with `$`. */
  end: boolean;
}

const EMPTY: CharSet = [0, 0, 0, 0];
const NOT_NEWLINE = complement(of([10]));
const DIGITS = range(48, 57);
const WORD = union(union(DIGITS, range(65, 90)), union(range(97, 122), of([95])));
/** RE2's `\s`: tab, newline, form feed, carriage return and space (not `\v`). */
const SPACE = of([9, 10, 12, 13, 32]);
const CLASS_ESCAPES: Record<string, CharSet> = { d: DIGITS, D: complement(DIGITS), w: WORD, W: complement(WORD), s: SPACE, S: complement(SPACE) };
/** Characters that are syntax outside a class; any other printable ASCII character is itself. */
const SYNTAX = new Set('\\.+*?()|[]{}^$');

/**
 * Reads the subset above; undefined for anything outside it. The pattern already compiled on RE2,
 * so this only has to recognise its own subset, never to report errors.
 */
function parse(source: string): Parsed | undefined {
  if (!source.startsWith('^')) return undefined;
  const end = source.endsWith('$') && !source.endsWith('\\$');
  const reader = { text: end ? source.slice(1, -1) : source.slice(1), at: 0 };
  const body = sequence(reader, 0);
  return body === undefined || reader.at !== reader.text.length ? undefined : { body, end };
}

interface Reader {
  text: string;
  at: number;
}

/** Elements up to the end of the group at `depth` (its `)` is left for the caller). */
function sequence(reader: Reader, depth: number): Element[] | undefined {
  const out: Element[] = [];
  while (reader.at < reader.text.length) {
    const c = reader.text[reader.at] as string;
    if (c === ')') return depth > 0 ? out : undefined;
    if (c === '|') return undefined;
    if (c === '(') {
      const group = groupAt(reader, depth);
      if (group === undefined) return undefined;
      out.push(...group);
      continue;
    }
    const set = atom(reader);
    if (set === undefined) return undefined;
    const count = quantifier(reader);
    if (count === undefined) return undefined;
    out.push({ kind: 'chars', set, min: count[0], max: count[1] });
  }
  return depth === 0 ? out : undefined;
}

const GROUP_NAME = /^(?:\?P?<[A-Za-z0-9_]+>|\?:)?/;

/** A group at `reader.at` (`(`, `(?:`, `(?P<name>`, `(?<name>`), never repeated. */
function groupAt(reader: Reader, depth: number): Element[] | undefined {
  const opener = GROUP_NAME.exec(reader.text.slice(reader.at + 1))?.[0] ?? '';
  if (reader.text[reader.at + 1] === '?' && opener === '') return undefined; // flags, lookarounds
  const capturing = opener !== '?:';
  reader.at += 1 + opener.length;
  const start = reader.at;
  const inner = sequence(reader, depth + 1);
  if (inner === undefined && reader.text[reader.at] === '|') {
    reader.at = start;
    return wordsAt(reader, capturing);
  }
  if (inner === undefined || reader.text[reader.at] !== ')') return undefined;
  reader.at++;
  if (quantifier(reader)?.join() !== '1,1') return undefined;
  return [{ kind: 'open', capturing }, ...inner, { kind: 'close' }];
}

/** `word|word|…)`: words of unrepeated single characters, none empty, each beginning differently. */
function wordsAt(reader: Reader, capturing: boolean): Element[] | undefined {
  const words: CharSet[][] = [[]];
  while (reader.at < reader.text.length) {
    const c = reader.text[reader.at];
    if (c === ')' || c === '|') {
      reader.at++;
      if (c === ')') break;
      words.push([]);
      continue;
    }
    const set = atom(reader);
    if (set === undefined || quantifier(reader)?.join() !== '1,1') return undefined;
    (words[words.length - 1] as CharSet[]).push(set);
  }
  if (reader.text[reader.at - 1] !== ')' || quantifier(reader)?.join() !== '1,1') return undefined;
  const firsts = words.map((word) => word[0]);
  if (firsts.some((first) => first === undefined)) return undefined;
  for (let i = 0; i < firsts.length; i++) for (let j = i + 1; j < firsts.length; j++) if (intersects(firsts[i] as CharSet, firsts[j] as CharSet)) return undefined;
  return [{ kind: 'words', words, capturing }];
}

/** One single-character atom at `reader.at`: its character set, or undefined outside the subset. */
function atom(reader: Reader): CharSet | undefined {
  const text = reader.text;
  const c = text[reader.at] as string;
  reader.at++;
  if (c === '.') return NOT_NEWLINE;
  if (c === '[') return classAt(reader);
  if (c === '\\') return escapeAt(reader);
  const code = c.charCodeAt(0);
  if (SYNTAX.has(c) || code < 32 || code > 126) return undefined;
  return of([code]);
}

/** After a `\`: `\d \D \w \W \s \S`, or an escaped ASCII punctuation character. */
function escapeAt(reader: Reader): CharSet | undefined {
  const c = reader.text[reader.at];
  reader.at++;
  if (c === undefined) return undefined;
  const known = CLASS_ESCAPES[c];
  if (known !== undefined) return known;
  const code = c.charCodeAt(0);
  const punctuation = (code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126);
  return punctuation ? of([code]) : undefined;
}

/**
 * After a `[`: `^` to negate, then letters, digits, `.`, `_`, ranges between two letters or two
 * digits of the same kind, `\d`-style escapes and escaped punctuation, up to `]`.
 */
function classAt(reader: Reader): CharSet | undefined {
  const text = reader.text;
  const negated = text[reader.at] === '^';
  if (negated) reader.at++;
  let set = EMPTY;
  let members = 0;
  for (;;) {
    const c = text[reader.at];
    if (c === undefined) return undefined;
    if (c === ']' && members > 0) break;
    reader.at++;
    members++;
    if (c === '\\') {
      const escaped = escapeAt(reader);
      if (escaped === undefined) return undefined;
      set = union(set, escaped);
      continue;
    }
    // A `-` first or last is itself, as in RE2 (`[-a]`, `[a-]`); elsewhere it makes a range.
    if (c === '-' && (members === 1 || text[reader.at] === ']')) {
      set = union(set, of([45]));
      continue;
    }
    if (!isAlnum(c) && c !== '.' && c !== '_') return undefined;
    if (text[reader.at] !== '-' || text[reader.at + 1] === ']') {
      set = union(set, of([c.charCodeAt(0)]));
      continue;
    }
    const high = text[reader.at + 1] ?? '';
    if (!sameKind(c, high) || high < c) return undefined;
    reader.at += 2;
    set = union(set, range(c.charCodeAt(0), high.charCodeAt(0)));
  }
  reader.at++;
  return negated ? complement(set) : set;
}

function isAlnum(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

function sameKind(a: string, b: string): boolean {
  const kind = (c: string) => (c >= '0' && c <= '9' ? 1 : c >= 'a' && c <= 'z' ? 2 : c >= 'A' && c <= 'Z' ? 3 : 0);
  return kind(a) !== 0 && kind(a) === kind(b);
}

const REPEAT = /^\{(\d{1,4})(,(\d{0,4}))?\}/;

/** The greedy count after an atom, as [min, max]: [1, 1] when there is none; undefined for a lazy one. */
function quantifier(reader: Reader): [number, number] | undefined {
  const text = reader.text;
  const c = text[reader.at];
  let count: [number, number];
  if (c === '*') count = [0, Infinity];
  else if (c === '+') count = [1, Infinity];
  else if (c === '?') count = [0, 1];
  else if (c === '{') {
    const match = REPEAT.exec(text.slice(reader.at));
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (max < min) return undefined;
    reader.at += match[0].length - 1;
    count = [min, max];
  } else return [1, 1];
  reader.at++;
  // A lazy or possessive count, or a count of a count, is outside the subset.
  const next = text[reader.at];
  return next === '?' || next === '+' || next === '*' || next === '{' ? undefined : count;
}

/**
 * Every character a variable count takes is one that no element that can come next begins with:
 * the elements after it up to and including the first that must take a character.
 */
function deterministic(body: readonly Element[]): boolean {
  const consuming = body.filter((element) => element.kind === 'chars' || element.kind === 'words');
  for (let i = 0; i < consuming.length; i++) {
    const element = consuming[i] as Element;
    if (element.kind !== 'chars' || element.min === element.max) continue;
    for (let j = i + 1; j < consuming.length; j++) {
      const next = consuming[j] as Element;
      if (intersects(element.set, firstOf(next))) return false;
      if (next.kind === 'words' || (next.kind === 'chars' && next.min > 0)) break;
    }
  }
  return true;
}

function firstOf(element: Element): CharSet {
  if (element.kind === 'chars') return element.set;
  if (element.kind === 'words') return element.words.reduce((all, word) => union(all, word[0] as CharSet), EMPTY);
  return EMPTY;
}

function emit(element: Element): string {
  switch (element.kind) {
    case 'chars':
      return `${emitSet(element.set)}${element.min === 1 && element.max === 1 ? '' : `{${element.min},${element.max === Infinity ? '' : element.max}}`}`;
    case 'words':
      return `(${element.capturing ? '' : '?:'}${element.words.map((word) => word.map(emitSet).join('')).join('|')})`;
    case 'open':
      return element.capturing ? '(' : '(?:';
    case 'close':
      return ')';
  }
}

/** `[\x30-\x39\x5f]`: the set's ASCII ranges, every character escaped; `[]` (nothing) when empty. */
function emitSet(set: CharSet): string {
  let out = '';
  for (let c = 0; c < 128; c++) {
    if (!has(set, c)) continue;
    let last = c;
    while (last < 127 && has(set, last + 1)) last++;
    out += last === c ? hex(c) : `${hex(c)}-${hex(last)}`;
    c = last;
  }
  return out.length === 4 ? out : `[${out}]`;
}

function hex(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

function of(codes: readonly number[]): CharSet {
  const words = [0, 0, 0, 0];
  for (const code of codes) words[code >> 5] = (words[code >> 5] as number) | (1 << (code & 31));
  return words as unknown as CharSet;
}

function range(low: number, high: number): CharSet {
  const codes: number[] = [];
  for (let c = low; c <= high; c++) codes.push(c);
  return of(codes);
}

function has(set: CharSet, c: number): boolean {
  return ((set[c >> 5] as number) & (1 << (c & 31))) !== 0;
}

function union(a: CharSet, b: CharSet): CharSet {
  return [a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3]];
}

function intersects(a: CharSet, b: CharSet): boolean {
  return (a[0] & b[0]) !== 0 || (a[1] & b[1]) !== 0 || (a[2] & b[2]) !== 0 || (a[3] & b[3]) !== 0;
}

function complement(a: CharSet): CharSet {
  return [~a[0], ~a[1], ~a[2], ~a[3]];
}
