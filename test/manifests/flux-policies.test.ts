/** Flux v2 ImagePolicy objects of every kind, read as Flux users wrote them, then selected as Flux would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSlots } from '../../src/manifests/index.ts';
import { selectTag } from '../../src/policy/index.ts';
import { fluxPolicy } from '../fakes/flux.ts';

/** An ImagePolicy spec: filterTags with the pattern and extract given (single-quoted, as Flux users write them), then the policy. */
function policySpec({ pattern, extract, policy }: { pattern?: string; extract?: string; policy: string }): string {
  const filter = `${pattern === undefined ? '' : `\n  pattern: '${pattern}'`}${extract === undefined ? '' : `\n  extract: '${extract}'`}`;
  return `${filter === '' ? '' : `filterTags:${filter}\n`}policy:\n  ${policy}`;
}

function read(spec: string, tag: string) {
  return findSlots([
    { path: 'flux/app.yaml', text: fluxPolicy({ name: 'app', image: 'ghcr.io/acme/app', spec }) },
    { path: 'apps/values.yaml', text: `tag: ${tag} # {"$imagepolicy": "flux-system:app:tag"}\n` },
  ]);
}

const cases: { name: string; pattern?: string; extract?: string; policy: string; current: string; tags: string[]; selected: string }[] = [
  { name: 'semver', policy: 'semver: {range: ">=1.0.0 <2"}', current: '1.0.0', tags: ['1.0.0', '1.4.0', '2.0.0'], selected: '1.4.0' },
  { name: 'semver over the extracted version (filterTags.pattern and extract)', pattern: '^(?P<version>[0-9.]+)-alpine$', extract: '$version', policy: 'semver: {range: ">=1.25"}', current: '1.25.3-alpine', tags: ['1.25.3-alpine', '1.25.4-alpine', '1.27.0', '1.27.0-bookworm'], selected: '1.25.4-alpine' },
  { name: 'semver with a pattern and no extract keeps matching tags only', pattern: '^1\\.25\\.', policy: 'semver: {range: "*"}', current: '1.25.1', tags: ['1.25.1', '1.25.9', '1.27.0'], selected: '1.25.9' },
  { name: 'alphabetical asc (the default order) picks the last', policy: 'alphabetical: {}', current: 'a', tags: ['a', 'c', 'b'], selected: 'c' },
  { name: 'alphabetical desc picks the first', policy: 'alphabetical: {order: desc}', current: 'c', tags: ['b', 'c', 'a'], selected: 'a' },
  {
    name: 'alphabetical over an extracted timestamp (RFC 3339)',
    pattern: '^main-[a-f0-9]+-(?P<ts>.*)',
    extract: '$ts',
    policy: 'alphabetical: {order: asc}',
    current: 'main-aaa111-2024-01-01T10-00-00Z',
    tags: ['main-aaa111-2024-01-01T10-00-00Z', 'main-fff999-2024-03-02T09-00-00Z', 'main-bbb222-2024-02-01T00-00-00Z', 'dev-ccc-2025-01-01T00-00-00Z'],
    selected: 'main-fff999-2024-03-02T09-00-00Z',
  },
  { name: 'alphabetical with a pattern and no extract orders the whole tag', pattern: '^(?P<env>prod)-', policy: 'alphabetical: {}', current: 'prod-a', tags: ['prod-a', 'prod-b', 'stage-z'], selected: 'prod-b' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Flux's own extract template syntax, written as Flux users write it
  { name: 'numerical asc over an extracted build number', pattern: '^main-[a-fA-F0-9]+-(?P<ts>\\d+)$', extract: '${ts}', policy: 'numerical: {order: asc}', current: 'main-abc123-9', tags: ['main-abc123-9', 'main-def456-10', 'main-999999-8', 'pr-1-100'], selected: 'main-def456-10' },
  { name: 'numerical desc picks the lowest', policy: 'numerical: {order: desc}', current: '30', tags: ['30', '20', '100'], selected: '20' },
  { name: 'an extract template with literal text', pattern: '^v(?P<major>\\d+)_(?P<minor>\\d+)$', extract: '$major.$minor.0', policy: 'semver: {range: "^1"}', current: 'v1_2', tags: ['v1_2', 'v1_10', 'v2_0'], selected: 'v1_10' },
];

for (const c of cases) {
  test(`Flux ImagePolicy: ${c.name}`, () => {
    const { slots, problems } = read(policySpec(c), c.current);
    assert.deepEqual(problems, []);
    const policy = slots[0]?.policy;
    assert.ok(policy, 'the marker slot has the ImagePolicy');
    assert.equal(slots[0]?.image, `ghcr.io/acme/app:${c.current}`);
    const selection = selectTag(
      policy,
      c.tags.map((tag) => ({ tag })),
      { tag: c.current },
    );
    assert.equal(selection.selected, c.selected, selection.why);
  });
}

for (const [name, spec, message] of [
  ['no policy kind', 'policy: {}', /exactly one of semver, alphabetical, numerical \(found none\)/],
  ['two policy kinds', 'policy:\n  semver: {range: "*"}\n  alphabetical: {}', /found semver, alphabetical/],
  ['a bad order', 'policy:\n  numerical: {order: up}', /order must be asc or desc, got "up"/],
  ['extract without pattern', 'filterTags: {extract: $ts}\npolicy:\n  alphabetical: {}', /extract needs filterTags.pattern/],
  ['extract naming a group the pattern lacks', "filterTags: {pattern: '^(?P<ts>\\d+)$', extract: $build}\npolicy:\n  numerical: {}", /refers to \$build, which the pattern does not name/],
  ['extract by group number', "filterTags: {pattern: '^main-(\\d+)$', extract: $1}\npolicy:\n  numerical: {}", /by number; name it/],
  ['a pattern that cannot compile', "filterTags: {pattern: '('}\npolicy:\n  alphabetical: {}", /invalid regular expression/],
  ['an invalid semver range', 'policy:\n  semver: {range: "nope"}', /invalid semver range "nope"/],
] as const) {
  test(`Flux ImagePolicy: ${name} is a problem naming the object, and the marker is not automated`, () => {
    const { slots, problems } = read(spec, '1.0.0');
    assert.match(problems[0]?.message ?? '', /ImagePolicy flux-system:app: /);
    assert.match(problems[0]?.message ?? '', message);
    assert.equal(slots[0]?.policy, undefined);
  });
}
