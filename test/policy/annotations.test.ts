import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readAnnotations, selectTag } from '../../src/policy/index.ts';

const read = (annotations: Record<string, string>, containers = ['app', 'sidecar']) => readAnnotations(annotations, containers);
const sources = (annotations: Record<string, string>) => Object.fromEntries([...read(annotations).policies].map(([c, p]) => [c, `${p.kind} ${p.source}`]));

test('annotations: tagpilot.io policies per container', () => {
  assert.deepEqual(sources({ 'tagpilot.io/tag.app': 'semver:~1.2', 'tagpilot.io/tag.sidecar': 'minor' }), { app: 'semver semver:~1.2', sidecar: 'relative minor' });
});

test('annotations: automated only when tagpilot.io/automated is "true"', () => {
  assert.equal(read({ 'tagpilot.io/automated': 'true' }).automated, true);
  assert.equal(read({ 'tagpilot.io/automated': 'false', 'fluxcd.io/automated': 'true' }).automated, false);
  assert.equal(read({}).automated, false);
});

test('annotations: a malformed automated value is a problem and reads as false', () => {
  const result = read({ 'tagpilot.io/automated': 'yes' });
  assert.equal(result.automated, false);
  assert.match(result.problems[0]?.message ?? '', /^tagpilot.io\/automated: expected "true" or "false"/);
});

test('annotations: one bad policy is a problem naming the key; the other container still applies', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:nope', 'tagpilot.io/tag.sidecar': 'patch' });
  assert.deepEqual([...result.policies.keys()], ['sidecar']);
  assert.match(result.problems[0]?.message ?? '', /^tagpilot.io\/tag.app: invalid policy "semver:nope"/);
});

test('annotations: filters attach to the container policy', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:*', 'tagpilot.io/ignore.app': '*-debug', 'tagpilot.io/min-age.app': '1h', 'tagpilot.io/platforms.app': 'linux/arm64' });
  const filters = result.policies.get('app')?.filters;
  assert.deepEqual([filters?.ignore.map((m) => m.source), filters?.minAgeMs, filters?.platforms], [['*-debug'], 3_600_000, ['linux/arm64']]);
  assert.deepEqual(result.problems, []);
});

test('annotations: a bad filter leaves that container unautomated (fail closed) and says so', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:*', 'tagpilot.io/min-age.app': 'soon', 'tagpilot.io/tag.sidecar': 'minor' });
  assert.deepEqual([...result.policies.keys()], ['sidecar']);
  assert.match(result.problems[0]?.message ?? '', /^tagpilot.io\/min-age.app: invalid duration "soon".*not automated/);
});

test('annotations: a filter without a policy is a problem', () => {
  assert.match(read({ 'tagpilot.io/ignore.app': 'x' }).problems[0]?.message ?? '', /no policy for container "app"/);
});

test('annotations: every bad annotation of a container is reported, not only the first, and the container is not automated', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:nope', 'tagpilot.io/min-age.app': 'soon', 'tagpilot.io/ignore.app': 'regexp:(', 'tagpilot.io/allow-downgrade.app': 'yes' });
  assert.deepEqual(
    result.problems.map((p) => p.key),
    ['tagpilot.io/tag.app', 'tagpilot.io/ignore.app', 'tagpilot.io/min-age.app', 'tagpilot.io/allow-downgrade.app'],
  );
  assert.equal(result.policies.has('app'), false);
});

test('annotations: a bad filter still leaves the container unautomated when the policy is fine', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/min-age.app': 'soon', 'tagpilot.io/platforms.app': 'linux' });
  assert.deepEqual(
    result.problems.map((p) => p.key),
    ['tagpilot.io/min-age.app', 'tagpilot.io/platforms.app'],
  );
  assert.equal(result.policies.has('app'), false);
});

test('annotations: a tagpilot.io key for a missing container or an unknown key is a problem', () => {
  const problems = read({ 'tagpilot.io/tag.web': 'minor', 'tagpilot.io/tags.app': 'minor', 'tagpilot.io/locked-by': 'ann' }).problems;
  assert.deepEqual(
    problems.map((p) => p.message),
    ['tagpilot.io/tag.web: no container named "web"', 'tagpilot.io/tags.app: unknown tagpilot.io annotation'],
  );
});

test('annotations: the lock with who, why and when', () => {
  const lock = read({ 'tagpilot.io/locked': 'true', 'tagpilot.io/locked-by': 'ann', 'tagpilot.io/locked-reason': 'incident 42', 'tagpilot.io/locked-at': '2026-01-02T03:04:05Z' }).lock;
  assert.deepEqual(lock, { locked: true, by: 'ann', reason: 'incident 42', at: '2026-01-02T03:04:05Z' });
});

test('annotations: an unreadable lock value locks (fail closed) and is a problem', () => {
  const result = read({ 'tagpilot.io/locked': 'yes' });
  assert.equal(result.lock.locked, true);
  assert.match(result.problems[0]?.message ?? '', /tagpilot.io\/locked: expected "true" or "false".*read as true/);
});

test('annotations: a locked-at that is not a date is a problem, the lock still holds', () => {
  const result = read({ 'tagpilot.io/locked': 'true', 'tagpilot.io/locked-at': 'tuesday' });
  assert.equal(result.lock.locked, true);
  assert.match(result.problems[0]?.message ?? '', /locked-at: "tuesday" is not a date/);
});

test('annotations: no lock annotation means unlocked', () => {
  assert.equal(read({ 'tagpilot.io/locked': 'false' }).lock.locked, false);
  assert.equal(read({}).lock.locked, false);
});

for (const prefix of ['fluxcd.io/', 'flux.weave.works/']) {
  test(`annotations: Flux v1 ${prefix}automated and ${prefix}tag.<c>`, () => {
    const result = read({ [`${prefix}automated`]: 'true', [`${prefix}tag.app`]: 'semver:~1.2' });
    assert.equal(result.automated, true);
    assert.equal(result.policies.get('app')?.kind, 'semver');
  });

  test(`annotations: Flux v1 ${prefix}locked with locked_user and locked_msg`, () => {
    const lock = read({ [`${prefix}locked`]: 'true', [`${prefix}locked_user`]: 'bob', [`${prefix}locked_msg`]: 'hold' }).lock;
    assert.deepEqual(lock, { locked: true, by: 'bob', reason: 'hold', at: undefined });
  });
}

for (const [value, kind] of [
  ['semver:^2', 'semver'],
  ['glob:main-*', 'glob'],
  ['regexp:^v\\d+$', 'regexp'],
  ['regex:^v\\d+$', 'regexp'],
  ['main-*', 'glob'],
] as const) {
  test(`annotations: Flux v1 filter.fluxcd.io/<c> "${value}" reads as ${kind}`, () => {
    const policy = read({ 'filter.fluxcd.io/app': value }).policies.get('app');
    assert.deepEqual([policy?.kind, policy?.source], [kind, value]);
  });
}

test('annotations: a Flux v1 policy without a prefix is a glob ordered by build time', () => {
  const policy = read({ 'fluxcd.io/tag.app': 'main-*' }).policies.get('app');
  assert.ok(policy !== undefined);
  const tags = [
    { tag: 'main-a', created: new Date(1) },
    { tag: 'main-b', created: new Date(2) },
    { tag: 'x', created: new Date(3) },
  ];
  assert.equal(selectTag(policy, tags).selected, 'main-b');
});

test('annotations: tagpilot.io wins over Flux v1, and filter.fluxcd.io over fluxcd.io/tag', () => {
  assert.deepEqual(sources({ 'tagpilot.io/tag.app': 'minor', 'fluxcd.io/tag.app': 'glob:*' }), { app: 'relative minor' });
  assert.deepEqual(sources({ 'filter.fluxcd.io/app': 'semver:^1', 'fluxcd.io/tag.app': 'glob:*' }), { app: 'semver semver:^1' });
});

for (const [value, expected] of [
  ['all', 'relative all'],
  ['major', 'relative major'],
  ['minor', 'relative minor'],
  ['patch', 'relative patch'],
  ['Patch', 'relative Patch'],
  ['force', 'glob force'],
  ['glob:build-*', 'glob glob:build-*'],
  ['regexp:^v', 'regexp regexp:^v'],
] as const) {
  test(`annotations: keel.sh/policy "${value}" applies to every container as ${expected}`, () => {
    assert.deepEqual(sources({ 'keel.sh/policy': value }), { app: expected, sidecar: expected });
    assert.equal(read({ 'keel.sh/policy': value }).automated, true);
  });
}

test('annotations: keel.sh/policy force with keel.sh/match-tag follows the current tag by digest', () => {
  const policy = read({ 'keel.sh/policy': 'force', 'keel.sh/match-tag': 'true' }).policies.get('app');
  assert.deepEqual([policy?.kind, policy?.kind === 'digest' ? policy.follow : 'x'], ['digest', undefined]);
});

test('annotations: keel.sh/policy never means not automated and no policy', () => {
  const result = read({ 'keel.sh/policy': 'never' });
  assert.deepEqual([result.automated, result.policies.size, result.problems], [false, 0, []]);
});

test('annotations: an unknown Keel policy is one problem, however many containers', () => {
  assert.deepEqual(
    read({ 'keel.sh/policy': 'sometimes' }).problems.map((p) => p.message),
    ['keel.sh/policy: unknown Keel policy "sometimes" (expected all, major, minor, patch, force, never, glob: or regexp:)'],
  );
});

test('annotations: a container policy overrides the workload-wide Keel policy', () => {
  assert.deepEqual(sources({ 'keel.sh/policy': 'major', 'tagpilot.io/tag.app': 'patch' }), { app: 'relative patch', sidecar: 'relative major' });
});

test('annotations: allow-downgrade.<c> "true" lets the container follow its policy below the current tag', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/allow-downgrade.app': 'true', 'tagpilot.io/tag.sidecar': 'semver:^1' });
  assert.deepEqual([result.policies.get('app')?.allowDowngrade, result.policies.get('sidecar')?.allowDowngrade], [true, undefined]);
});

test('annotations: a malformed allow-downgrade is a problem and reads as false', () => {
  const result = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/allow-downgrade.app': 'yes' });
  assert.equal(result.policies.get('app')?.allowDowngrade, undefined);
  assert.match(result.problems[0]?.message ?? '', /allow-downgrade.app: expected "true" or "false", got "yes"; read as false/);
});

test('annotations: verify-signature per container, or for every container without the suffix', () => {
  const both = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/tag.sidecar': 'semver:^2', 'tagpilot.io/verify-signature': 'ci', 'tagpilot.io/verify-signature.sidecar': 'release' });
  assert.equal(both.policies.get('app')?.filters.signature, 'ci');
  assert.equal(both.policies.get('sidecar')?.filters.signature, 'release');
  assert.deepEqual(both.problems, []);
  const bad = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/verify-signature.app': 'Not A Name' });
  assert.equal(bad.policies.get('app'), undefined, 'fail closed: an unreadable signature requirement leaves the container unautomated');
  assert.match(bad.problems.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('\n'), /verify-signature\.app.*not a signature policy name/);
});

test('selection: a tag whose signature check failed is rejected with its verdict; unchecked tags stay candidates', () => {
  const policy = read({ 'tagpilot.io/tag.app': 'semver:^1', 'tagpilot.io/verify-signature.app': 'ci' }).policies.get('app')!;
  const selection = selectTag(policy, [{ tag: '1.0.0' }, { tag: '1.1.0', signature: { status: 'bad-signature', detail: 'SIGNATURE_ERROR' } }, { tag: '1.2.0', signature: { status: 'unsigned' } }]);
  assert.equal(selection.selected, '1.0.0');
  assert.deepEqual(
    selection.rejected.map((r) => [r.tag, r.reason, r.detail]),
    [
      ['1.1.0', 'bad-signature', 'ci: SIGNATURE_ERROR'],
      ['1.2.0', 'unsigned', 'ci: no signature'],
    ],
  );
});
