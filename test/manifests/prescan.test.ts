import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Document } from 'yaml';
import { findSlots } from '../../src/manifests/index.ts';
import { mayHoldSlots } from '../../src/manifests/prescan.ts';
import { deployment, slotsOf } from './helpers.ts';

/** A trailing comment naming a slot word: the same YAML, but the pre-scan lets it through to the full parse. */
const parsedAnyway = (text: string) => `${text}\n# image\n`;

// Each file holds a slot through one word only: drop that word from the pre-scan and its case fails.
const HOLDS_A_SLOT: [string, string][] = [
  ['a container image', deployment('ghcr.io/org/web:1.0.0')],
  ['a Helm value mapped by a Flux v1 annotation', `apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: app\n  annotations:\n    repository.fluxcd.io/app: app.repo\n    tag.fluxcd.io/app: app.version\nspec:\n  values:\n    app:\n      repo: ghcr.io/org/app\n      version: 1.0.0\n`],
  ['a tagpilot marker on any field', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  ref: ghcr.io/org/app:1.0.0 # tagpilot: semver:^1\n`],
  ['a key spelled with an escape', `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      "\\x69mage": ghcr.io/org/app:1.0.0\n`],
];

for (const [what, text] of HOLDS_A_SLOT) {
  test(`the pre-scan lets through ${what}, and the slot is found`, () => {
    assert.equal(mayHoldSlots(text), true);
    assert.equal(slotsOf(text).slots.length, 1);
  });
}

test('the pre-scan lets through tagpilot annotations on a workload without images: their mistakes are reported', () => {
  const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    tagpilot.io/automated: "maybe"\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n`;
  assert.equal(mayHoldSlots(text), true);
  assert.equal(slotsOf(text).problems.length, 1);
});

test('an Argo CD override file is read for its Application, though it may not name an image', () => {
  const PREFIX = 'argocd-image-updater.argoproj.io/';
  const app = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argocd\n  annotations:\n    ${PREFIX}image-list: web=ghcr.io/acme/web:~1.26\n    ${PREFIX}web.helm.image-tag: app.version\nspec:\n  source:\n    path: charts/shop\n`;
  const override = 'helm:\n  parameters:\n  - name: app.version\n    value: 1.26.1\n';
  assert.equal(mayHoldSlots(override), false);
  const { slots } = findSlots([
    { path: 'apps/shop.yaml', text: app },
    { path: 'charts/shop/.argocd-source-shop.yaml', text: override },
  ]);
  assert.deepEqual(
    slots.map((s) => [s.file, s.container]),
    [['charts/shop/.argocd-source-shop.yaml', 'web']],
  );
});

test('a file without any slot word is never parsed: its broken YAML is not reported', () => {
  const broken = 'apiVersion: v1\nkind: Service\nmetadata: {name: [unclosed\n';
  assert.equal(mayHoldSlots(broken), false);
  assert.deepEqual(findSlots([{ path: 'svc.yaml', text: broken }]).problems, []);
  assert.equal(findSlots([{ path: 'svc.yaml', text: parsedAnyway(broken) }]).problems.length, 1);
});

test('Services, ConfigMaps and CRDs without a slot word are skipped', () => {
  for (const text of ['apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n', 'apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: production\n']) {
    assert.equal(mayHoldSlots(text), false);
  }
});

/**
 * Soundness on random Kubernetes-shaped documents: whenever the pre-scan says no, the full parse
 * finds no slot and no problem either. Keys and values come from the words slots are made of,
 * minus the pre-scan's own, so the shapes come close.
 */
const word = fc.constantFrom('containers', 'initContainers', 'template', 'spec', 'jobTemplate', 'values', 'repository', 'tag', 'name', 'newTag', 'newName', 'registry', 'digest', 'app', 'env', 'imag', 'Image', 'IMAGE');
const value = fc.oneof(fc.constantFrom('ghcr.io/org/app:1.0.0', 'app.repo', 'true', 'semver:^1', '1.0.0', 'Image'), fc.string({ maxLength: 8 }));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, value, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(word, tie('tree'), { maxKeys: 4 })),
}));
const object = fc.record({
  apiVersion: fc.constantFrom('apps/v1', 'v1', 'batch/v1', 'helm.toolkit.fluxcd.io/v2', 'kustomize.config.k8s.io/v1beta1', 'argoproj.io/v1alpha1'),
  kind: fc.constantFrom('Deployment', 'Pod', 'CronJob', 'HelmRelease', 'Kustomization', 'Rollout', 'Service', 'List'),
  metadata: fc.record({ name: fc.constant('x'), annotations: fc.dictionary(fc.constantFrom('tagpilot.io/automated', 'repository.fluxcd.io/app', 'keel.sh/policy', 'example.com/note'), value, { maxKeys: 2 }) }),
  spec: tree,
  items: fc.array(tree, { maxLength: 2 }),
});

test('property: a file the pre-scan skips has no slot and no problem', () => {
  let skipped = 0;
  fc.assert(
    fc.property(fc.array(object, { minLength: 1, maxLength: 3 }), fc.constantFrom('app.yaml', 'kustomization.yaml'), (objects, path) => {
      const text = objects.map((o) => new Document(o).toString()).join('---\n');
      if (mayHoldSlots(text)) return;
      skipped++;
      const found = findSlots([{ path, text: parsedAnyway(text) }]);
      assert.deepEqual(found.slots, []);
      assert.deepEqual(found.problems, []);
    }),
    { numRuns: 300 },
  );
  assert.ok(skipped > 30, `only ${skipped} generated files were skipped: the property hardly ran`);
});
