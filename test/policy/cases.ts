/** Shared shape for table-driven selection tests: one row, one behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, selectTag, type Policy, type TagInfo } from '../../src/policy/index.ts';

export interface Case {
  name: string;
  policy: string | Policy;
  tags: (string | TagInfo)[];
  current?: string;
  now?: string;
  selected: string | null;
  changed?: boolean;
  /** Reasons expected for some rejected tags (tag → reason). */
  rejected?: Record<string, string>;
}

export function tagList(tags: readonly (string | TagInfo)[]): TagInfo[] {
  return tags.map((tag) => (typeof tag === 'string' ? { tag } : tag));
}

/** A tag built at `iso` (a date, or a day of January 2026 when a number). */
export function built(tag: string, when: string | number, extra: Partial<TagInfo> = {}): TagInfo {
  const iso = typeof when === 'number' ? `2026-01-${String(when).padStart(2, '0')}T00:00:00Z` : when;
  return { tag, created: new Date(iso), ...extra };
}

export function runCases(prefix: string, cases: readonly Case[]): void {
  for (const c of cases) {
    test(`${prefix}: ${c.name}`, () => {
      const policy = typeof c.policy === 'string' ? parsePolicy(c.policy) : c.policy;
      const current = c.current === undefined ? {} : { tag: c.current };
      const options = c.now === undefined ? {} : { now: new Date(c.now) };
      const selection = selectTag(policy, tagList(c.tags), current, options);
      assert.equal(selection.selected, c.selected, selection.why);
      if (c.changed !== undefined) assert.equal(selection.changed, c.changed);
      for (const [tag, reason] of Object.entries(c.rejected ?? {})) {
        const found = selection.rejected.find((r) => r.tag === tag);
        assert.equal(found?.reason, reason, `reason for ${tag}`);
      }
    });
  }
}
