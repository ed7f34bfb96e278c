import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, findSlots, type Edit, type SourceFile } from '../../src/manifests/index.ts';
import { parseImageRef, formatImageRef } from '../../src/image/ref.ts';

/**
 * What the automation cycle does with this module, on a Deployment, a kustomization and a Helm
 * values file with a marker: find the automated slots, pick a tag (a stand-in registry here),
 * group edits by file, apply. Only the tags' bytes change.
 */
const repo: SourceFile[] = [
  {
    path: 'apps/web/deployment.yaml',
    text: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.web: "semver:^1"}
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0
      - name: pinned
        image: ghcr.io/acme/pinned:1.0.0
`,
  },
  { path: 'apps/web/kustomization.yaml', text: `namespace: shop\nresources: [deployment.yaml]\nimages:\n- name: api\n  newName: ghcr.io/acme/api\n  newTag: 2.0.0 # tagpilot: tag semver:^2\n` },
  { path: 'charts/job/values.yaml', text: `job:\n  image:\n    repository: ghcr.io/acme/job # tagpilot: name\n    tag: "0.1.0" # tagpilot: tag semver:~0.1\n` },
];

const registry: Record<string, string> = { 'ghcr.io/acme/web': '1.4.0', 'ghcr.io/acme/api': '2.3.1', 'ghcr.io/acme/job': '0.1.9', 'ghcr.io/acme/pinned': '9.9.9' };

test('a cycle over a Deployment, a kustomization and a marked Helm values file edits only the tags', () => {
  const { slots, problems } = findSlots(repo);
  assert.deepEqual(problems, []);
  const automated = slots.filter((s) => s.policy !== undefined && !s.lock.locked);
  assert.deepEqual(
    automated.map((s) => s.kind),
    ['container', 'kustomize', 'marker'],
  );
  const byFile = new Map<string, Edit[]>();
  for (const slot of automated) {
    const ref = parseImageRef(slot.image);
    const image = formatImageRef({ ...ref, tag: registry[`${ref.host}/${ref.path}`] });
    byFile.set(slot.file, [...(byFile.get(slot.file) ?? []), { slot, image }]);
  }
  const after = repo.map((f) => applyEdits(f.path, f.text, byFile.get(f.path) ?? []));
  assert.deepEqual(after, [repo[0]!.text.replace('web:1.0.0', 'web:1.4.0'), repo[1]!.text.replace('newTag: 2.0.0', 'newTag: 2.3.1'), repo[2]!.text.replace('"0.1.0"', '"0.1.9"')]);
  assert.equal(automated[0]!.workload, 'shop:deployment/web');
});
