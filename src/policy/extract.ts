/**
 * Flux v2's `filterTags`: a tag must match `pattern`, and the policy orders it by `extract`, a
 * template over the pattern's named groups (`$ts`, `${version}`, literal text, `$$` for `$`), as
 * Go's `Regexp.Expand` reads it. The tag written is still the original one.
 */
import type { TagRegex } from './pattern.ts';

export interface TagExtract {
  regex: TagRegex;
  /** The template as written; undefined orders by the whole tag. */
  template?: string;
}

type Part = string | { group: string };

const REFERENCE = /\$(?:\$|\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+))/g;

/** Reads a template; throws an Error naming a group the pattern does not have, or a numbered one. */
export function parseTemplate(template: string, groupNames: readonly string[]): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    parts.push(template.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1] ?? match[2];
    if (name === undefined) {
      parts.push('$');
      continue;
    }
    if (/^\d+$/.test(name)) throw new Error(`extract "${template}" refers to group ${name} by number; name it in the pattern, (?P<name>…), and write $name`);
    if (!groupNames.includes(name)) throw new Error(`extract "${template}" refers to $${name}, which the pattern does not name`);
    parts.push({ group: name });
  }
  parts.push(template.slice(last));
  return parts.filter((part) => part !== '');
}

/** The text a tag is ordered by: undefined when the pattern does not match it. */
export function tagExtractor(extract: TagExtract): (tag: string) => string | undefined {
  const { regex, template } = extract;
  if (template === undefined || template === '') return (tag) => (regex.test(tag) ? tag : undefined);
  const parts = parseTemplate(template, regex.groupNames);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && typeof only !== 'string') return (tag) => (regex.test(tag) ? (regex.capture(tag, only.group) ?? '') : undefined);
  return (tag) => {
    if (!regex.test(tag)) return undefined;
    // An unmatched group expands to "", as in Go.
    return parts.map((part) => (typeof part === 'string' ? part : (regex.capture(tag, part.group) ?? ''))).join('');
  };
}
