/**
 * Flux v1 HelmRelease and FluxHelmRelease image maps, in every shape Flux v1 updated: each is a
 * slot of the release's workload (so `tagpilot release` can address it, with or without
 * annotations), and an edit changes only the tag or reference bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, findSlots } from '../../src/manifests/index.ts';

const KINDS = [
  ['HelmRelease', 'helm.fluxcd.io/v1', 'helmrelease'],
  ['FluxHelmRelease', 'helm.integrations.flux.weave.works/v1alpha2', 'fluxhelmrelease'],
  ['HelmRelease', 'helm.toolkit.fluxcd.io/v2', 'helmrelease'],
] as const;

function release(kind: string, apiVersion: string, values: string, annotations = ''): string {
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: shop\n  namespace: apps\n${annotations}spec:\n  releaseName: shop\n  values:\n${values.replace(/^/gm, '    ')}`;
}

/** [shape, values, container, image now, image to set, the values after] */
const SHAPES: [string, string, string, string, string, string][] = [
  ['image: repo:tag', 'image: org/shop:1.0.0\n', 'chart-image', 'org/shop:1.0.0', 'org/shop:1.1.0', 'image: org/shop:1.1.0\n'],
  ['image + tag', 'image: org/shop\ntag: "1.0.0"\n', 'chart-image', 'org/shop:1.0.0', 'org/shop:1.1.0', 'image: org/shop\ntag: "1.1.0"\n'],
  ['registry + image + tag', 'registry: registry.local:5000\nimage: org/shop\ntag: 1.0.0\n', 'chart-image', 'registry.local:5000/org/shop:1.0.0', 'registry.local:5000/org/shop:1.1.0', 'registry: registry.local:5000\nimage: org/shop\ntag: 1.1.0\n'],
  ['image.repository + image.tag', 'image:\n  repository: org/shop\n  tag: 1.0.0\n', 'chart-image', 'org/shop:1.0.0', 'org/shop:1.1.0', 'image:\n  repository: org/shop\n  tag: 1.1.0\n'],
  ['image.registry + image.repository + image.tag', 'image:\n  registry: ghcr.io\n  repository: org/shop\n  tag: 1.0.0\n', 'chart-image', 'ghcr.io/org/shop:1.0.0', 'ghcr.io/org/shop:1.1.0', 'image:\n  registry: ghcr.io\n  repository: org/shop\n  tag: 1.1.0\n'],
  ['<name>.image: repo:tag with a registry port', 'worker:\n  image: registry.local:5000/org/worker:1.0.0\n', 'worker', 'registry.local:5000/org/worker:1.0.0', 'registry.local:5000/org/worker:1.1.0', 'worker:\n  image: registry.local:5000/org/worker:1.1.0\n'],
  ['<name>.image + <name>.tag', 'worker:\n  image: org/worker\n  tag: "1.0.0"\n', 'worker', 'org/worker:1.0.0', 'org/worker:1.1.0', 'worker:\n  image: org/worker\n  tag: "1.1.0"\n'],
  ['<name>.image.repository + tag', 'worker:\n  image:\n    repository: org/worker\n    tag: 1.0.0\n', 'worker', 'org/worker:1.0.0', 'org/worker:1.1.0', 'worker:\n  image:\n    repository: org/worker\n    tag: 1.1.0\n'],
  [
    '<name>.image.registry (with a port) + repository + tag',
    'worker:\n  image:\n    registry: registry.local:5000\n    repository: org/worker\n    tag: 1.0.0\n',
    'worker',
    'registry.local:5000/org/worker:1.0.0',
    'registry.local:5000/org/worker:1.1.0',
    'worker:\n  image:\n    registry: registry.local:5000\n    repository: org/worker\n    tag: 1.1.0\n',
  ],
  ['<name>.registry + <name>.image + <name>.tag', 'worker:\n  registry: registry.local:5000\n  image: org/worker\n  tag: 1.0.0\n', 'worker', 'registry.local:5000/org/worker:1.0.0', 'registry.local:5000/org/worker:1.1.0', 'worker:\n  registry: registry.local:5000\n  image: org/worker\n  tag: 1.1.0\n'],
];

for (const [kind, apiVersion, lower] of KINDS) {
  for (const [shape, values, container, image, next, after] of SHAPES) {
    test(`${kind} (${apiVersion}) ${shape}: a slot of apps:${lower}/shop container ${container}, edited in place`, () => {
      const text = release(kind, apiVersion, values);
      const { slots, problems } = findSlots([{ path: 'releases/shop.yaml', text }]);
      assert.deepEqual(problems, []);
      const slot = slots.find((s) => s.container === container);
      assert.ok(slot, `slot for ${container}`);
      assert.deepEqual([slot.kind, slot.workload, slot.image, slot.policy], ['helm', `apps:${lower}/shop`, image, undefined]);
      assert.equal(applyEdits('releases/shop.yaml', text, [{ slot, image: next }]), release(kind, apiVersion, after));
    });
  }
}

test('FluxHelmRelease: Flux v1 annotations automate its images', () => {
  const text = release('FluxHelmRelease', 'helm.integrations.flux.weave.works/v1alpha2', 'image: org/shop\ntag: 1.0.0\n', '  annotations:\n    flux.weave.works/automated: "true"\n    flux.weave.works/tag.chart-image: semver:~1.0\n');
  const { slots } = findSlots([{ path: 'shop.yaml', text }]);
  assert.equal(slots[0]?.policy?.source, 'semver:~1.0');
});

test('a FluxHelmRelease under another API group is not read', () => {
  const text = release('FluxHelmRelease', 'example.com/v1', 'image: org/shop:1.0.0\n');
  assert.equal(findSlots([{ path: 'shop.yaml', text }]).slots.length, 0);
});
