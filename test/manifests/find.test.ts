import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findSlots } from '../../src/manifests/index.ts';
import { deployment, onlySlot, slotsOf } from './helpers.ts';

const podSpec = (indent: string) => `${indent}containers:\n${indent}  - name: app\n${indent}    image: ghcr.io/org/app:1.0.0\n`;

for (const [kind, apiVersion, path] of [
  ['Deployment', 'apps/v1', 'spec:\n  template:\n    spec:\n'],
  ['StatefulSet', 'apps/v1', 'spec:\n  template:\n    spec:\n'],
  ['DaemonSet', 'apps/v1', 'spec:\n  template:\n    spec:\n'],
  ['ReplicaSet', 'apps/v1', 'spec:\n  template:\n    spec:\n'],
  ['ReplicationController', 'v1', 'spec:\n  template:\n    spec:\n'],
  ['Job', 'batch/v1', 'spec:\n  template:\n    spec:\n'],
  ['CronJob', 'batch/v1', 'spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n'],
  ['Pod', 'v1', 'spec:\n'],
  ['Rollout', 'argoproj.io/v1alpha1', 'spec:\n  template:\n    spec:\n'],
] as const) {
  test(`a ${kind}'s container image is a slot named namespace:${kind.toLowerCase()}/name`, () => {
    const depth = path.split('\n').length - 1;
    const text = `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: app\n${path}${podSpec('  '.repeat(depth))}`;
    const slot = onlySlot(text);
    assert.equal(slot.workload, `default:${kind.toLowerCase()}/app`);
    assert.equal(slot.container, 'app');
    assert.equal(slot.image, 'ghcr.io/org/app:1.0.0');
    assert.equal(slot.kind, 'container');
    assert.equal(slot.line, 4 + depth + 3);
  });
}

test("a Rollout that is not Argo's is not a workload", () => {
  const text = `apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n${podSpec('      ')}`;
  assert.equal(slotsOf(text).slots.length, 0);
});

test('initContainers, containers and ephemeralContainers are all slots, in that order', () => {
  const text = `kind: Pod
apiVersion: v1
metadata: {name: p, namespace: ops}
spec:
  containers: [{name: main, image: "app:2"}]
  initContainers:
  - name: init
    image: busybox:1.36
  ephemeralContainers:
  - {name: debug, image: 'alpine:3'}
`;
  const { slots } = slotsOf(text);
  assert.deepEqual(
    slots.map((s) => [s.container, s.image]),
    [
      ['init', 'busybox:1.36'],
      ['main', 'app:2'],
      ['debug', 'alpine:3'],
    ],
  );
  assert.ok(slots.every((s) => s.workload === 'ops:pod/p'));
});

test('a field span covers the scalar source with its quotes', () => {
  const text = deployment('"ghcr.io/org/web:1.0"');
  const [f] = onlySlot(text).fields;
  assert.equal(text.slice(f!.start, f!.end), '"ghcr.io/org/web:1.0"');
  assert.equal(f!.value, 'ghcr.io/org/web:1.0');
  assert.equal(f!.part, 'ref');
});

test('policies come from the annotations only when the workload is automated', () => {
  const on = onlySlot(deployment('web:1.0.0', '  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.web: semver:^1\n'));
  assert.equal(on.policy?.source, 'semver:^1');
  const off = onlySlot(deployment('web:1.0.0', '  annotations:\n    tagpilot.io/tag.web: semver:^1\n'));
  assert.equal(off.policy, undefined);
});

test('the lock annotations are read with who and why', () => {
  const slot = onlySlot(deployment('web:1', '  annotations:\n    tagpilot.io/locked: "true"\n    tagpilot.io/locked-by: ana\n    tagpilot.io/locked-reason: incident 42\n'));
  assert.deepEqual(slot.lock, { locked: true, by: 'ana', reason: 'incident 42', at: undefined });
});

test('a bad policy annotation is a problem naming the workload; the slot is still found', () => {
  const { slots, problems } = slotsOf(deployment('web:1', '  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.web: nonsense:1\n'));
  assert.equal(slots.length, 1);
  assert.equal(slots[0]!.policy, undefined);
  assert.match(problems[0]!.message, /^default:deployment\/web: tagpilot.io\/tag.web/);
});

test('each bad annotation is a problem at the line of its key, all of them, in a workload and a HelmRelease', () => {
  const annotations = '  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.web: nonsense:1\n    tagpilot.io/min-age.web: soon\n';
  const helm = `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: rel\n${annotations.replaceAll('.web', '.chart-image')}spec:\n  values:\n    image: ghcr.io/acme/rel:1.0.0\n`;
  const { problems } = findSlots([
    { path: 'web.yaml', text: deployment('web:1', annotations) },
    { path: 'rel.yaml', text: helm },
  ]);
  const where = problems.map((p) => `${p.file}:${p.line} ${p.message.replace(/(tagpilot\.io\/[\w.-]+): .*/, '$1')}`);
  assert.deepEqual(where, ['web.yaml:7 default:deployment/web: tagpilot.io/tag.web', 'web.yaml:8 default:deployment/web: tagpilot.io/min-age.web', 'rel.yaml:7 default:helmrelease/rel: tagpilot.io/tag.chart-image', 'rel.yaml:8 default:helmrelease/rel: tagpilot.io/min-age.chart-image']);
});

test('every document of a multi-document file is read', () => {
  const text = `${deployment('a:1')}---\n# second\n${deployment('b:2').replace('name: web\n', 'name: api\n')}`;
  const { slots } = slotsOf(text);
  assert.deepEqual(
    slots.map((s) => [s.workload, s.image, s.line]),
    [
      ['default:deployment/web', 'a:1', 10],
      ['default:deployment/api', 'b:2', 22],
    ],
  );
});

test('objects inside kind: List and a top-level array are read', () => {
  const item = deployment('a:1')
    .replace(/^/gm, '    ')
    .replace(/^ {4}apiVersion/, '  - apiVersion');
  const list = `apiVersion: v1\nkind: List\nitems:\n${item}`;
  assert.equal(onlySlot(list).workload, 'default:deployment/web');
  const array = `- ${deployment('a:1').replace(/\n(?=.)/g, '\n  ')}`;
  assert.equal(onlySlot(array).image, 'a:1');
});

test('an image behind an alias is a slot whose field is the anchored scalar', () => {
  const text = `x-image: &img ghcr.io/org/web:1.0\n${deployment('*img')}`;
  const slot = onlySlot(text);
  assert.equal(slot.image, 'ghcr.io/org/web:1.0');
  assert.equal(text.slice(slot.fields[0]!.start, slot.fields[0]!.end), 'ghcr.io/org/web:1.0');
});

test('keys merged with <<: *base are followed', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - &base {name: web, image: web:1}
      - <<: *base
        name: sidecar
`;
  assert.deepEqual(
    slotsOf(text).slots.map((s) => [s.container, s.image]),
    [
      ['web', 'web:1'],
      ['sidecar', 'web:1'],
    ],
  );
});

test('an alias bomb is read without expanding it', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++)
    levels.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  const text = `${levels.join('\n')}\n---\n${deployment('web:1')}`;
  const started = performance.now();
  const { slots } = slotsOf(text);
  assert.equal(slots.length, 1);
  assert.ok(performance.now() - started < 1000);
});

test('CRLF line endings and a BOM still give the right spans and lines', () => {
  const text = `\uFEFF${deployment('web:1.0')}`.replace(/\n/g, '\r\n');
  const slot = onlySlot(text);
  assert.equal(text.slice(slot.fields[0]!.start, slot.fields[0]!.end), 'web:1.0');
  assert.equal(slot.line, 10);
});

test('an unparseable document is a problem with file and line; the other documents still count', () => {
  const text = `${deployment('a:1')}---\nkey: [unclosed\n---\n${deployment('b:1').replace('web\n', 'api\n')}`;
  const { slots, problems } = findSlots([
    { path: 'bad.yaml', text },
    { path: 'ok.yaml', text: deployment('c:1') },
  ]);
  assert.equal(slots.length, 3);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.file, 'bad.yaml');
  assert.equal(typeof problems[0]!.line, 'number');
  assert.match(problems[0]!.message, /not valid YAML/);
});

test('a file over the size limit is skipped with a problem', () => {
  const text = deployment('a:1') + `# ${'x'.repeat(1024 * 1024)}\n`;
  const { slots, problems } = findSlots([{ path: 'huge.yaml', text }]);
  assert.equal(slots.length, 0);
  assert.match(problems[0]!.message, /larger than/);
});

test('an image that is not a reference (a template) is a problem, not a slot', () => {
  const { slots, problems } = slotsOf(deployment('"{{ .Values.image }}"'));
  assert.equal(slots.length, 0);
  assert.equal(problems[0]!.line, 10);
});

test('a container without a name or an image is not a slot', () => {
  assert.equal(slotsOf(deployment('null')).slots.length, 0);
  assert.equal(slotsOf(deployment('web:1').replace('- name: web\n          ', '- ')).slots.length, 0);
});

test('the namespace comes from metadata, else the nearest kustomization that sets one, else default', () => {
  const kustomization = { path: 'apps/kustomization.yaml', text: 'namespace: shop\nresources: [web/deploy.yaml]\n' };
  const inside = { path: 'apps/web/deploy.yaml', text: deployment('web:1') };
  const explicit = { path: 'apps/api.yaml', text: deployment('api:1').replace('name: web\n', 'name: api\n  namespace: api-ns\n') };
  const outside = { path: 'other/deploy.yaml', text: deployment('x:1').replace('name: web', 'name: x') };
  const { slots } = findSlots([inside, explicit, outside, kustomization]);
  assert.deepEqual(
    slots.map((s) => s.workload),
    ['shop:deployment/web', 'api-ns:deployment/api', 'default:deployment/x'],
  );
});

test('a merge-key bomb is read in linear time', () => {
  const levels = ['a0: &a0 {x: 1}'];
  for (let i = 1; i < 20; i++)
    levels.push(
      `a${i}: &a${i} {<<: [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]}`,
    );
  const text = `${levels.join('\n')}\nkind: Pod\nmetadata: {name: p}\nspec:\n  <<: *a19\n  containers: [{name: c, image: "c:1"}]\n`;
  const started = performance.now();
  assert.equal(slotsOf(text).slots.length, 1);
  assert.ok(performance.now() - started < 1000);
});

for (const [what, text, key, line] of [
  ['image: twice in a container', deployment('web:1').replace('image: web:1', 'image: web:1\n          image: web:9'), 'image', 11],
  ['an annotation twice', deployment('web:1', '  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.web: semver:^1\n    tagpilot.io/tag.web: glob:*\n'), 'tagpilot.io/tag.web', 8],
] as const) {
  test(`duplicate keys (${what}) are a duplicate-key problem for the file and no slot, not a first-wins edit`, () => {
    const other = 'apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers: [{name: a, image: "a:1"}]\n';
    const { slots, problems } = slotsOf(`${text}---\n${other}`);
    assert.deepEqual(
      slots.map((s) => s.workload),
      ['default:pod/other'],
      'the other document still counts',
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.code, 'duplicate-key');
    assert.equal(problems[0]!.line, line);
    assert.match(problems[0]!.message, new RegExp(`duplicate key "${key.replaceAll('.', '\\.')}"`));
  });
}
