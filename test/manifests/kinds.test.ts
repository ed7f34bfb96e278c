import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../src/policy/policy.ts';
import { onlySlot, slotsOf } from './helpers.ts';

const helmRelease = (values: string, annotations = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: shop
  namespace: apps
${annotations}spec:
  chart: {spec: {chart: shop}}
  values:
${values.replace(/^/gm, '    ')}`;

test('a kustomization images entry is a slot of newName, newTag and digest', () => {
  const text = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: web
    newName: registry.local:5000/shop/web
    newTag: "1.4.0"
  - name: api
    digest: sha256:${'a'.repeat(64)}
`;
  const { slots } = slotsOf(text, 'base/kustomization.yaml');
  assert.deepEqual(
    slots.map((s) => [s.kind, s.image, s.fields.map((f) => f.part)]),
    [
      ['kustomize', 'registry.local:5000/shop/web:1.4.0', ['name', 'tag']],
      ['kustomize', `api@sha256:${'a'.repeat(64)}`, ['digest']],
    ],
  );
});

test('a kustomization is recognised by its file name even without kind', () => {
  assert.equal(onlySlot('images:\n- name: web\n  newTag: 1.10\n', 'Kustomization').image, 'web:1.10');
  assert.equal(slotsOf('images:\n- name: web\n  newTag: 1.10\n', 'other.yaml').slots.length, 0);
});

test('a Flux Kustomization (another apiVersion) is not a kustomize kustomization', () => {
  const text = 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x}\nimages:\n- name: web\n  newTag: "1"\n';
  assert.equal(slotsOf(text, 'kustomization.yaml').slots.length, 0);
});

test('Helm values: image as one string is the chart-image container', () => {
  const slot = onlySlot(helmRelease('image: ghcr.io/org/shop:2.1.0\n'));
  assert.deepEqual([slot.kind, slot.workload, slot.container, slot.image], ['helm', 'apps:helmrelease/shop', 'chart-image', 'ghcr.io/org/shop:2.1.0']);
});

test('Helm values: image and tag side by side', () => {
  const slot = onlySlot(helmRelease('image: org/shop\ntag: "2.1.0"\n'));
  assert.equal(slot.image, 'org/shop:2.1.0');
  assert.deepEqual(
    slot.fields.map((f) => f.part),
    ['name', 'tag'],
  );
});

test('Helm values: registry, image and tag side by side', () => {
  const slot = onlySlot(helmRelease('registry: registry.local:5000\nimage: org/shop\ntag: 2.1.0\n'));
  assert.equal(slot.image, 'registry.local:5000/org/shop:2.1.0');
  assert.deepEqual(
    slot.fields.map((f) => f.part),
    ['registry', 'name', 'tag'],
  );
});

test('Helm values: image.repository and image.tag, with an optional image.registry', () => {
  assert.equal(onlySlot(helmRelease('image:\n  repository: org/shop\n  tag: 2.1.0\n')).image, 'org/shop:2.1.0');
  assert.equal(onlySlot(helmRelease('image:\n  registry: ghcr.io\n  repository: org/shop\n  tag: 2.1.0\n')).image, 'ghcr.io/org/shop:2.1.0');
});

test('Helm values: an image one map down is the container named by its key', () => {
  const { slots } = slotsOf(helmRelease('image: shop:1\nworker:\n  image:\n    repository: shop-worker\n    tag: "1"\nreplicas: 2\n'));
  assert.deepEqual(
    slots.map((s) => [s.container, s.image]),
    [
      ['chart-image', 'shop:1'],
      ['worker', 'shop-worker:1'],
    ],
  );
});

test('Helm values: a plain numeric tag reads as written (1.10, not 1.1)', () => {
  assert.equal(onlySlot(helmRelease('image:\n  repository: shop\n  tag: 1.10\n')).image, 'shop:1.10');
});

test('Helm values: policies use Flux v1 container names in the annotations', () => {
  const annotations = '  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.chart-image: semver:~2.1\n';
  assert.equal(onlySlot(helmRelease('image: shop:2.1.0\n', annotations)).policy?.source, 'semver:~2.1');
});

test('a Flux v1 HelmRelease (helm.fluxcd.io) is read the same way', () => {
  const text = helmRelease('image: shop:1\n').replace('helm.toolkit.fluxcd.io/v2', 'helm.fluxcd.io/v1');
  assert.equal(onlySlot(text).workload, 'apps:helmrelease/shop');
});

test('a tagpilot marker makes any scalar a slot with its policy', () => {
  const slot = onlySlot('kind: ConfigMap\nmetadata: {name: cfg}\ndata:\n  IMAGE: ghcr.io/org/job:1.2.0 # tagpilot: semver:^1.2\n');
  assert.deepEqual([slot.kind, slot.workload, slot.image, slot.policy?.source], ['marker', 'default:configmap/cfg', 'ghcr.io/org/job:1.2.0', 'semver:^1.2']);
});

test('tagpilot name and tag markers in one mapping make one slot', () => {
  const text = 'job:\n  repository: ghcr.io/org/job   # tagpilot: name\n  tag: "1.2.0"   # tagpilot: tag semver:~1.2\n';
  const slot = onlySlot(text, 'values.yaml');
  assert.equal(slot.image, 'ghcr.io/org/job:1.2.0');
  assert.deepEqual(
    slot.fields.map((f) => f.part),
    ['name', 'tag'],
  );
  assert.equal(slot.policy?.source, 'semver:~1.2');
});

test('a tag marker with no name in its mapping is a problem', () => {
  const { slots, problems } = slotsOf('tag: 1.2.0 # tagpilot: tag semver:^1\n', 'values.yaml');
  assert.equal(slots.length, 0);
  assert.match(problems[0]!.message, /no field holds the image name/);
});

test("a marker on a container image sets that container's policy", () => {
  const text = 'kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: app:1.0.0 # tagpilot: semver:^1\n';
  const slot = onlySlot(text);
  assert.deepEqual([slot.kind, slot.policy?.source], ['container', 'semver:^1']);
});

test('a Flux $imagepolicy marker resolves its policy from the options', () => {
  const namedPolicies = new Map([['flux-system:shop', { policy: parsePolicy('semver:>=1.0.0') }]]);
  const text = 'image:\n  repository: ghcr.io/org/shop # {"$imagepolicy": "flux-system:shop:name"}\n  tag: 1.0.0 # {"$imagepolicy": "flux-system:shop:tag"}\n';
  const slot = onlySlot(text, 'values.yaml', { namedPolicies });
  assert.equal(slot.image, 'ghcr.io/org/shop:1.0.0');
  assert.equal(slot.policy?.source, 'semver:>=1.0.0');
});

test('a Flux marker naming an unknown policy in a namespace of ours is a problem, and the slot is not automated', () => {
  const namedPolicies = new Map([['flux-system:shop', { policy: parsePolicy('semver:>=1.0.0') }]]);
  const { slots, problems } = slotsOf('image: shop:1 # {"$imagepolicy": "flux-system:nope"}\n', 'values.yaml', { namedPolicies });
  assert.equal(slots[0]?.policy, undefined);
  assert.equal(problems[0]?.code, 'policy-not-found');
  assert.match(problems[0]!.message, /flux-system:nope/);
});

test('Flux ImagePolicy and ImageRepository objects in the repo name policies and images for markers', () => {
  const flux = `apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImagePolicy
metadata: {name: shop, namespace: flux-system}
spec:
  imageRepositoryRef: {name: shop}
  policy:
    semver: {range: ">=2.0.0 <3"}
---
apiVersion: image.toolkit.fluxcd.io/v1beta2
kind: ImageRepository
metadata: {name: shop, namespace: flux-system}
spec: {image: ghcr.io/org/shop}
`;
  const { slots } = slotsOf('tag: 2.0.1 # {"$imagepolicy": "flux-system:shop:tag"}\n', 'values.yaml');
  assert.equal(slots.length, 0);
  const found = slotsOfMany([
    ['flux/policy.yaml', flux],
    ['values.yaml', 'tag: 2.0.1 # {"$imagepolicy": "flux-system:shop:tag"}\n'],
  ]);
  assert.equal(found.slots[0]!.image, 'ghcr.io/org/shop:2.0.1');
  assert.equal(found.slots[0]!.policy?.source, 'semver:>=2.0.0 <3');
});

test('a malformed marker is a problem with its line', () => {
  const { problems } = slotsOf('a: 1\nimage: x:1 # {"$imagepolicy": 5}\n', 'values.yaml');
  assert.equal(problems[0]!.line, 2);
});

import { findSlots } from '../../src/manifests/index.ts';
function slotsOfMany(files: [string, string][]) {
  return findSlots(files.map(([path, text]) => ({ path, text })));
}

test("Helm values: Flux v1 annotations name where a container's repository and tag live", () => {
  const annotations = '  annotations:\n    repository.fluxcd.io/app: radarr.image.repo\n    tag.fluxcd.io/app: radarr.image.tag\n';
  const values = 'radarr:\n  image:\n    organization: linuxserver\n    repo: linuxserver/radarr\n    tag: 3.0.0-ls21\n';
  const slot = onlySlot(helmRelease(values, annotations));
  assert.deepEqual([slot.container, slot.image, slot.fields.map((f) => f.part)], ['app', 'linuxserver/radarr:3.0.0-ls21', ['name', 'tag']]);
});

test('Helm values: a Flux v1 path annotation pointing nowhere is a problem', () => {
  const { problems } = slotsOf(helmRelease('image: shop:1\n', '  annotations:\n    image.fluxcd.io/app: nope.image\n'));
  assert.match(problems[0]!.message, /image.fluxcd.io\/app: no value at "nope.image"/);
});
