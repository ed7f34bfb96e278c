/**
 * Globs over tags, translated to RE2 syntax so they run on the same linear-time engine as regular
 * expressions. `{a,b}` becomes an alternation, never an expansion: `{a,b}` forty times is forty
 * groups, not 2⁴⁰ patterns. Braces and brackets are not tag characters, so one left unclosed is a
 * typo and an error, never a literal.
 */

/** POSIX classes RE2 knows inside brackets. */
const POSIX_CLASSES = new Set(['alnum', 'alpha', 'ascii', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'word', 'xdigit']);

/** The RE2 source (to be matched against the whole tag) for a glob; `fail` builds the error to throw. */
export function globToRegex(glob: string, fail: (message: string) => Error): string {
  let out = '';
  /** For each open `{`: whether it has seen a comma. */
  const braces: boolean[] = [];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\') {
      const next = glob[i + 1];
      if (next === undefined) throw fail('ends with a lone "\\"');
      out += literal(next);
      i++;
    } else if (c === '*') {
      out += '.*';
      while (glob[i + 1] === '*') i++; // `**` is `*`: tags have no "/" to cross
    } else if (c === '?') {
      out += '.';
    } else if (c === '[') {
      const end = bracketEnd(glob, i);
      if (end < 0) throw fail(`"[" at ${i + 1} is never closed`);
      out += bracket(glob.slice(i + 1, end), fail);
      i = end;
    } else if (c === '{') {
      braces.push(false);
      out += '(?:';
    } else if (c === ',' && braces.length > 0) {
      braces[braces.length - 1] = true;
      out += '|';
    } else if (c === '}') {
      const comma = braces.pop();
      if (comma === undefined) throw fail(`"}" at ${i + 1} closes nothing`);
      if (!comma) throw fail('a "{…}" group needs a comma between alternatives (ranges such as {1..3} are not supported)');
      out += ')';
    } else {
      out += literal(c);
    }
  }
  if (braces.length > 0) throw fail('a "{" is never closed');
  return out;
}

/** A character, escaped when it is ASCII punctuation (which RE2 may read as syntax). */
function literal(c: string): string {
  return PUNCTUATION.test(c) ? `\\${c}` : c;
}

const PUNCTUATION = /^[!-/:-@[-`{-~]$/;

/** Index of the `]` closing the bracket at `start`, or -1. A `]` first (after `!`/`^`) is literal. */
function bracketEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob.startsWith('[:', i)) {
      const close = glob.indexOf(':]', i + 2);
      if (close < 0) return -1;
      i = close + 1;
    } else if (glob[i] === ']') return i;
  }
  return -1;
}

/** `[…]` contents: `!` or `^` first negates, `a-z` is a range, `[:digit:]` a POSIX class. */
function bracket(body: string, fail: (message: string) => Error): string {
  let out = '[';
  const first = body[0] === '!' || body[0] === '^' ? 1 : 0;
  if (first === 1) out += '^';
  for (let i = first; i < body.length; i++) {
    const c = body[i] as string;
    if (body.startsWith('[:', i)) {
      const close = body.indexOf(':]', i + 2);
      const name = body.slice(i + 2, close);
      if (!POSIX_CLASSES.has(name)) throw fail(`unknown character class "[:${name}:]"`);
      out += `[:${name}:]`;
      i = close + 1;
    } else if (c === '-' && i > first && i < body.length - 1) {
      out += '-'; // a range between its neighbours
    } else {
      const char = c === '\\' ? (body[++i] ?? '\\') : c;
      out += literal(char);
    }
  }
  return `${out}]`;
}
