import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSlots, type FindOptions, type ImageSlot } from '../../src/manifests/index.ts';
import { parsePolicy } from '../../src/policy/index.ts';
import { fluxPolicy, imagePolicyMarker } from '../fakes/flux.ts';

/** The repository's Flux objects: policy `flux-system:podinfo` follows `registry.acme.io/podinfo`. */
const FLUX = fluxPolicy({ name: 'podinfo', image: 'registry.acme.io/podinfo' });

const P = (part = '') => imagePolicyMarker('podinfo', part);
const D = `sha256:${'a'.repeat(64)}`;

function find(path: string, text: string, options?: FindOptions) {
  return findSlots(
    [
      { path: 'flux/podinfo.yaml', text: FLUX },
      { path, text },
    ],
    options,
  );
}

const shape = (s: ImageSlot) => ({ kind: s.kind, image: s.image, follows: s.follows, policy: s.policy?.source });

const CASES: { name: string; path: string; text: string; slots: ReturnType<typeof shape>[] }[] = [
  {
    name: 'a whole-reference marker on a container names the image: the policy repository is written',
    path: 'app.yaml',
    text: `kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: ghcr.io/old/podinfo:6.5.0 ${P()}\n`,
    slots: [{ kind: 'container', image: 'ghcr.io/old/podinfo:6.5.0', follows: { repository: 'registry.acme.io/podinfo', name: true }, policy: 'semver:6.x' }],
  },
  {
    name: 'a :name and a :tag marker on a kustomization entry: the name is written',
    path: 'kustomization.yaml',
    text: `images:\n- name: podinfo\n  newName: replaced ${P(':name')}\n  newTag: 6.5.0 ${P(':tag')}\n`,
    slots: [{ kind: 'kustomize', image: 'replaced:6.5.0', follows: { repository: 'registry.acme.io/podinfo', name: true }, policy: 'semver:6.x' }],
  },
  {
    name: 'a :tag marker alone on a kustomization entry: tags come from the policy, the name it gives stays',
    path: 'kustomization.yaml',
    text: `images:\n- name: podinfo\n  newName: mirror.local/podinfo\n  newTag: 6.5.0 ${P(':tag')}\n`,
    slots: [{ kind: 'kustomize', image: 'mirror.local/podinfo:6.5.0', follows: { repository: 'registry.acme.io/podinfo', name: false }, policy: 'semver:6.x' }],
  },
  {
    name: 'a lone :tag marker in values: the policy gives the repository, which no field holds',
    path: 'values.yaml',
    text: `tag: 6.5.0 ${P(':tag')}\n`,
    slots: [{ kind: 'marker', image: 'registry.acme.io/podinfo:6.5.0', follows: { repository: 'registry.acme.io/podinfo', name: false }, policy: 'semver:6.x' }],
  },
  {
    name: 'a lone :digest marker is a slot of its own',
    path: 'values.yaml',
    text: `newDigest: ${D} ${P(':digest')}\n`,
    slots: [{ kind: 'marker', image: `registry.acme.io/podinfo@${D}`, follows: { repository: 'registry.acme.io/podinfo', name: false }, policy: 'semver:6.x' }],
  },
  {
    name: 'a lone :digest marker holding no digest is still a slot (its image without one)',
    path: 'values.yaml',
    text: `newDigest: sha256:changeme ${P(':digest')}\n`,
    slots: [{ kind: 'marker', image: 'registry.acme.io/podinfo', follows: { repository: 'registry.acme.io/podinfo', name: false }, policy: 'semver:6.x' }],
  },
  {
    name: ':name, :tag and :digest markers in one mapping make one slot that names the image',
    path: 'values.yaml',
    text: `image:\n  repository: ghcr.io/old/podinfo ${P(':name')}\n  tag: 6.5.0 ${P(':tag')}\n  digest: ${D} ${P(':digest')}\n`,
    slots: [{ kind: 'marker', image: `ghcr.io/old/podinfo:6.5.0@${D}`, follows: { repository: 'registry.acme.io/podinfo', name: true }, policy: 'semver:6.x' }],
  },
  {
    name: 'a tagpilot marker follows no named policy: the repository is the one its fields name',
    path: 'values.yaml',
    text: 'image:\n  repository: ghcr.io/old/podinfo # tagpilot: name\n  tag: 6.5.0 # tagpilot: tag semver:6.x\n',
    slots: [{ kind: 'marker', image: 'ghcr.io/old/podinfo:6.5.0', follows: undefined, policy: 'semver:6.x' }],
  },
];

for (const c of CASES) {
  test(`Flux markers: ${c.name}`, () => {
    const found = find(c.path, c.text);
    assert.deepEqual(found.problems, []);
    assert.deepEqual(found.slots.map(shape), c.slots);
  });
}

test('a config policy without an image follows the repository the fields name', () => {
  const namedPolicies = new Map([['apps:web', { policy: parsePolicy('semver:^2') }]]);
  const [slot] = findSlots([{ path: 'v.yaml', text: 'image: ghcr.io/acme/web:2.0.0 # {"$imagepolicy": "apps:web"}\n' }], { namedPolicies }).slots;
  assert.deepEqual([slot?.policy?.source, slot?.follows], ['semver:^2', undefined]);
});

test('a marker naming a policy in another namespace is a notice, once per policy, and no problem; its slot is left unautomated', () => {
  const text = `kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: user:v1.0.0 # {"$imagepolicy": "other-namespace:policy"}\n  - name: b\n    image: user:v1.0.0 # {"$imagepolicy": "other-namespace:policy"}\n`;
  const found = find('app.yaml', text);
  assert.deepEqual(found.problems, []);
  assert.deepEqual(
    found.notices.map((n) => [n.level, n.code, n.subject]),
    [['info', 'marker-not-ours', 'app.yaml:6']],
  );
  assert.ok(found.slots.every((s) => s.policy === undefined && s.follows === undefined));
});

test('a marker naming a missing policy in a namespace of ours is a problem', () => {
  const found = find('values.yaml', 'image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "flux-system:typo"}\n');
  assert.deepEqual(
    found.problems.map((p) => [p.code, p.subject]),
    [['policy-not-found', 'values.yaml:1']],
  );
  assert.deepEqual(found.notices, []);
});

test('a digest marker holding no digest is a warning notice when its slot is automated', () => {
  const found = find('values.yaml', `newDigest: "latest" ${P(':digest')}\n`);
  assert.deepEqual(
    found.notices.map((n) => [n.level, n.code, n.subject]),
    [['warn', 'digest-invalid', 'values.yaml:1']],
  );
  assert.match(found.notices[0]!.message, /"latest" is not a digest/);
});

test('a tagpilot digest marker holding no digest is a slot too, with the same warning', () => {
  const found = findSlots([{ path: 'values.yaml', text: 'image:\n  repository: ghcr.io/acme/w # tagpilot: name\n  digest: sha256:changeme # tagpilot: digest semver:^1\n' }]);
  assert.deepEqual(
    found.slots.map((s) => [s.image, s.fields.map((f) => f.part)]),
    [['ghcr.io/acme/w', ['name', 'digest']]],
  );
  assert.deepEqual(
    found.notices.map((n) => [n.level, n.code, n.subject]),
    [['warn', 'digest-invalid', 'values.yaml:3']],
  );
});

test('a digest field without a digest marker that holds no digest still voids its slot', () => {
  const release = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: r}\nspec:\n  values:\n    image:\n      repository: ghcr.io/a/b\n      digest: nope\n';
  const found = findSlots([{ path: 'release.yaml', text: release }]);
  assert.deepEqual(found.slots, []);
  assert.deepEqual(
    found.problems.map((p) => p.code),
    ['image-invalid'],
  );
});
