import { parsePolicy, type Policy } from './policy.ts';

/**
 * Policies parsed once per text: a cycle reads the same annotation for every workload that
 * carries it, and an edit finds its file's slots twice more to check itself, so one policy text
 * was parsed some three times per edited file (a semver range, its minimum version). The parse
 * is pure, so a parse of the same text is the same policy; each caller gets its own copy of the
 * top level, so one caller's policy is never another's object (the Flux markers tell their
 * policies apart by identity). A text that does not parse is not kept: it throws each time.
 */
const MAX_POLICIES = 256;
const parsed = new Map<string, Policy>();

export function cachedPolicy(text: string): Policy {
  let policy = parsed.get(text);
  if (policy === undefined) {
    policy = parsePolicy(text);
    // The oldest entry goes first (a Map keeps insertion order): bounded however many texts a repository holds.
    if (parsed.size >= MAX_POLICIES) parsed.delete(parsed.keys().next().value as string);
    parsed.set(text, policy);
  }
  return { ...policy };
}
