import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { branchName, groupKey, groupNames, MAX_GROUP_LENGTH, sanitise } from '../../src/hosting/index.ts';

/** Git's own rule for a branch name. */
function validBranch(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SANITISED: [string, string][] = [
  ['web', 'web'],
  ['shop:deployment/web', 'shop-deployment-web'],
  ['apps/web.yaml', 'apps-web.yaml'],
  ['a..b', 'a.b'],
  ['.hidden', 'hidden'],
  ['-dash', 'dash'],
  ['name.lock', 'name'],
  ['name.lock.', 'name'],
  ['end.', 'end'],
  ['sp ace~^:?*[\\@{x}', 'sp-ace-x'],
  ['web--api', 'web--api'],
  ['🙂', 'x'],
];

for (const [raw, expected] of SANITISED) {
  test(`sanitise: ${JSON.stringify(raw)} is ${JSON.stringify(expected)}, a valid branch component`, () => {
    assert.equal(sanitise(raw), expected);
    assert.ok(validBranch(`tagpilot/main/${expected}`));
  });
}

test('a workload with a clean name keeps it; one that needs sanitising keeps its readable form', () => {
  const names = groupNames(['group:frontend', 'workload:shop:deployment/web']);
  assert.equal(names.get('group:frontend'), 'frontend');
  assert.equal(names.get('workload:shop:deployment/web'), 'shop-deployment-web');
});

test('two keys that sanitise to one name both get a name of their own, with a hash of the key', () => {
  const names = groupNames(['group:shop-deployment-web', 'workload:shop:deployment/web', 'workload:shop:deployment/api']);
  const a = names.get('group:shop-deployment-web')!;
  const b = names.get('workload:shop:deployment/web')!;
  assert.notEqual(a, b);
  assert.match(a, /^shop-deployment-web-[0-9a-f]{8}$/);
  assert.match(b, /^shop-deployment-web-[0-9a-f]{8}$/);
  assert.equal(names.get('workload:shop:deployment/api'), 'shop-deployment-api', 'a name nobody shares stays plain');
});

test('a name is the same whatever order the keys come in, and for a key among the same keys', () => {
  const keys = ['workload:a:deployment/x', 'group:a-deployment-x', 'workload:b:statefulset/y'];
  assert.deepEqual([...groupNames(keys)].sort(), [...groupNames([...keys].reverse())].sort());
});

test(`a long name is cut to ${MAX_GROUP_LENGTH} characters and kept unique with a hash`, () => {
  const long = (c: string) => `workload:ns:deployment/${'w'.repeat(80)}${c}`;
  const names = groupNames([long('a'), long('b')]);
  const [a, b] = [names.get(long('a'))!, names.get(long('b'))!];
  assert.ok(a.length <= MAX_GROUP_LENGTH && b.length <= MAX_GROUP_LENGTH);
  assert.notEqual(a, b);
});

test('property: names are distinct per key, bounded, and valid in a branch name', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 90 }), { minLength: 1, maxLength: 6 }), (raw) => {
      const keys = raw.map((r) => `workload:${r}`);
      const names = groupNames(keys);
      assert.equal(new Set(names.values()).size, keys.length);
      for (const name of names.values()) {
        assert.ok(name.length > 0 && name.length <= MAX_GROUP_LENGTH, name);
        assert.ok(validBranch(branchName('tagpilot/{branch}/{group}', 'main', name)), name);
      }
    }),
    { numRuns: 60, seed: 1618 },
  );
});

test('groupKey: the first group whose given matchers all match, else the workload, else the file', () => {
  const groups = [
    { name: 'frontend', workloads: ['shop:*/*'], images: ['registry.example/web*'] },
    { name: 'shop', workloads: ['shop:*/*'] },
  ];
  const place = (workload: string | undefined, repository: string) => ({ file: 'apps/x.yaml', repository, ...(workload === undefined ? {} : { workload }) });
  assert.equal(groupKey(place('shop:deployment/web', 'registry.example/web'), 'group', groups), 'group:frontend');
  assert.equal(groupKey(place('shop:deployment/db', 'registry.example/postgres'), 'group', groups), 'group:shop');
  assert.equal(groupKey(place('ops:deployment/web', 'registry.example/web'), 'group', groups), 'workload:ops:deployment/web');
  assert.equal(groupKey(place(undefined, 'registry.example/web'), 'group', groups), 'file:apps/x.yaml');
  assert.equal(groupKey(place('shop:deployment/web', 'registry.example/web'), 'workload', groups), 'workload:shop:deployment/web', 'branchPer workload ignores groups');
});
