/** Argo CD Image Updater annotations on Argo CD Applications, read as an Image Updater user wrote them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, findSlots } from '../../src/manifests/index.ts';
import { readImageUpdater, selectTag } from '../../src/policy/index.ts';

const PREFIX = 'argocd-image-updater.argoproj.io/';

function application(annotations: Record<string, string>, source: string): string {
  const lines = Object.entries(annotations)
    .map(([key, value]) => `    ${key}: ${JSON.stringify(value)}\n`)
    .join('');
  return `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argocd\n  annotations:\n${lines}spec:\n${source.replace(/^/gm, '  ')}`;
}

/** [what, annotations (without the prefix), policy kind and source, filters] */
const MAPPING: [string, Record<string, string>, string, { ignore?: string; platforms?: string }?][] = [
  ['semver with a constraint (the default strategy)', { 'image-list': 'web=ghcr.io/acme/web:~1.26' }, 'semver semver:~1.26'],
  ['semver without a constraint', { 'image-list': 'web=ghcr.io/acme/web' }, 'semver semver:*'],
  ['semver with a registry port in the image', { 'image-list': 'web=registry.local:5000/acme/web:1.x' }, 'semver semver:1.x'],
  ['semver with allow-tags', { 'image-list': 'web=ghcr.io/acme/web:^1', 'web.allow-tags': 'regexp:^1\\.[0-9]+\\.[0-9]+$' }, 'semver semver:^1 (allow-tags regexp:^1\\.[0-9]+\\.[0-9]+$)'],
  ['newest-build', { 'image-list': 'web=ghcr.io/acme/web', 'web.update-strategy': 'newest-build' }, 'glob glob:*'],
  ['latest (the old name of newest-build) with allow-tags', { 'image-list': 'web=ghcr.io/acme/web', 'web.update-strategy': 'latest', 'web.allow-tags': 'regexp:^main-' }, 'regexp regexp:^main-'],
  ['alphabetical with allow-tags', { 'image-list': 'web=ghcr.io/acme/web', 'web.update-strategy': 'alphabetical', 'web.allow-tags': 'regexp:^(?P<ts>[0-9]{8})$' }, 'alphabetical alphabetical:asc (allow-tags regexp:^(?P<ts>[0-9]{8})$)'],
  ['name (the old name of alphabetical)', { 'image-list': 'web=ghcr.io/acme/web', 'web.update-strategy': 'name' }, 'alphabetical alphabetical:asc'],
  ['digest follows the listed tag', { 'image-list': 'web=ghcr.io/acme/web:stable', 'web.update-strategy': 'digest' }, 'digest digest:stable'],
  ['ignore-tags and platforms become filters', { 'image-list': 'web=ghcr.io/acme/web:^1', 'web.ignore-tags': '*-rc*, 1.5.*', 'web.platforms': 'linux/amd64,linux/arm64' }, 'semver semver:^1', { ignore: '*-rc*,1.5.*', platforms: 'linux/amd64,linux/arm64' }],
  ['an image without an alias is named by its path', { 'image-list': 'nginx:1.25.x', 'nginx.update-strategy': 'semver' }, 'semver semver:1.25.x'],
];

for (const [what, annotations, policy, filters] of MAPPING) {
  test(`Image Updater: ${what}`, () => {
    const read = readImageUpdater(Object.fromEntries(Object.entries(annotations).map(([key, value]) => [`${PREFIX}${key}`, value])));
    assert.deepEqual(read.problems, []);
    const found = read.images[0]?.policy;
    assert.equal(found === undefined ? 'none' : `${found.kind} ${found.source}`, policy);
    if (filters?.ignore !== undefined) assert.equal(found?.filters.ignore.map((m) => m.source).join(','), filters.ignore);
    if (filters?.platforms !== undefined) assert.equal(found?.filters.platforms.join(','), filters.platforms);
  });
}

for (const [what, annotations, message] of [
  ['an unknown strategy', { 'image-list': 'web=acme/web', 'web.update-strategy': 'newest' }, /unknown update-strategy "newest"/],
  ['allow-tags without regexp:', { 'image-list': 'web=acme/web', 'web.allow-tags': '^1\\.' }, /allow-tags "\^1\\.": expected regexp:<expression> or any/],
  ['digest without a tag', { 'image-list': 'web=acme/web', 'web.update-strategy': 'digest' }, /digest needs the tag to follow/],
  ['an invalid constraint', { 'image-list': 'web=acme/web:nope' }, /invalid semver range "nope"/],
  ['an empty image-list', { 'image-list': ' , ' }, /no image in/],
] as const) {
  test(`Image Updater: ${what} is a problem, and the image is not automated`, () => {
    const read = readImageUpdater(Object.fromEntries(Object.entries(annotations).map(([key, value]) => [`${PREFIX}${key}`, value])));
    assert.match(read.problems.join('\n'), message);
    assert.equal(read.images[0]?.policy, undefined);
  });
}

const helmSource = 'source:\n  repoURL: https://charts.example.com\n  chart: shop\n  helm:\n    parameters:\n    - name: image.name\n      value: ghcr.io/acme/web\n    - name: image.tag\n      value: "1.26.0"\n    - name: replicas\n      value: "2"\n';

test('Image Updater: Helm parameters image.name and image.tag (the defaults) are a slot of the Application', () => {
  const text = application({ [`${PREFIX}image-list`]: 'web=ghcr.io/acme/web:~1.26' }, helmSource);
  const { slots, problems } = findSlots([{ path: 'apps/shop.yaml', text }]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    slots.map((s) => [s.kind, s.workload, s.container, s.image, s.policy?.source]),
    [['helm', 'argocd:application/shop', 'web', 'ghcr.io/acme/web:1.26.0', 'semver:~1.26']],
  );
  const selection = selectTag(
    slots[0]!.policy!,
    ['1.26.0', '1.26.3', '1.27.0'].map((tag) => ({ tag })),
    { tag: '1.26.0' },
  );
  assert.equal(selection.selected, '1.26.3');
  assert.equal(applyEdits('apps/shop.yaml', text, [{ slot: slots[0]!, image: 'ghcr.io/acme/web:1.26.3' }]), text.replace('"1.26.0"', '"1.26.3"'));
});

test('Image Updater: helm.image-name and helm.image-tag name other parameters; a tag alone takes the listed image', () => {
  const source = 'source:\n  helm:\n    parameters:\n    - name: web.tag\n      value: 2.0.0\n';
  const text = application({ [`${PREFIX}image-list`]: 'web=ghcr.io/acme/web', [`${PREFIX}web.helm.image-tag`]: 'web.tag', [`${PREFIX}web.helm.image-name`]: 'web.repository' }, source);
  const { slots } = findSlots([{ path: 'apps/shop.yaml', text }]);
  assert.deepEqual(
    slots.map((s) => [s.image, s.fields.map((f) => f.part)]),
    [['ghcr.io/acme/web:2.0.0', ['tag']]],
  );
});

test('Image Updater: helm.image-spec names one parameter holding the whole reference', () => {
  const source = 'sources:\n- repoURL: https://git.example.com/infra\n  path: charts/shop\n  helm:\n    parameters:\n    - name: web.image\n      value: ghcr.io/acme/web:3.1.0\n';
  const text = application({ [`${PREFIX}image-list`]: 'web=ghcr.io/acme/web:^3', [`${PREFIX}web.helm.image-spec`]: 'web.image' }, source);
  const { slots } = findSlots([{ path: 'apps/shop.yaml', text }]);
  assert.deepEqual(
    slots.map((s) => [s.image, s.fields.map((f) => f.part)]),
    [['ghcr.io/acme/web:3.1.0', ['ref']]],
  );
});

test('Image Updater: a kustomize image of the Application is a slot; the original=new form is a problem', () => {
  const source = 'source:\n  path: overlays/prod\n  kustomize:\n    images:\n    - ghcr.io/acme/web:1.0.0\n    - api=ghcr.io/acme/api:2.0.0\n';
  const text = application({ [`${PREFIX}image-list`]: 'web=ghcr.io/acme/web:^1,api=ghcr.io/acme/api:^2' }, source);
  const { slots, problems } = findSlots([{ path: 'apps/shop.yaml', text }]);
  assert.deepEqual(
    slots.map((s) => [s.kind, s.container, s.image]),
    [['kustomize', 'web', 'ghcr.io/acme/web:1.0.0']],
  );
  assert.match(problems[0]?.message ?? '', /kustomize image "api=ghcr.io\/acme\/api:2.0.0" \(original=new form\) cannot be edited/);
});

test("Image Updater: .argocd-source-<app>.yaml (Git write-back) holds the Application's slots", () => {
  const app = application({ [`${PREFIX}image-list`]: 'web=ghcr.io/acme/web:~1.26', 'tagpilot.io/locked': 'true' }, 'source:\n  path: charts/shop\n');
  const override = 'helm:\n  parameters:\n  - name: image.tag\n    value: 1.26.1\n    forcestring: true\n';
  const { slots, problems } = findSlots([
    { path: 'apps/shop.yaml', text: app },
    { path: 'charts/shop/.argocd-source-shop.yaml', text: override },
    { path: 'charts/other/.argocd-source-other.yaml', text: override },
  ]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    slots.map((s) => [s.file, s.workload, s.container, s.image, s.policy?.source, s.lock.locked]),
    [['charts/shop/.argocd-source-shop.yaml', 'argocd:application/shop', 'web', 'ghcr.io/acme/web:1.26.1', 'semver:~1.26', true]],
  );
});

test('Image Updater: an Application without image-list is not read, and problems name the Application', () => {
  assert.equal(findSlots([{ path: 'a.yaml', text: application({ 'other/x': 'y' }, helmSource) }]).slots.length, 0);
  const { problems } = findSlots([{ path: 'a.yaml', text: application({ [`${PREFIX}image-list`]: 'web=acme/web', [`${PREFIX}web.update-strategy`]: 'newest' }, helmSource) }]);
  assert.match(problems[0]?.message ?? '', /^argocd:application\/shop: .*unknown update-strategy "newest"/);
  assert.equal(problems[0]?.line, 7);
});
