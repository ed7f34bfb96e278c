import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, EditError, findSlots } from '../../src/manifests/index.ts';
import { deployment, onlySlot, setImage, slotsOf } from './helpers.ts';

const annotated = `# app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the site
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: semver:^1
spec:
  template:
    spec:
      containers:
        - name: web
          image: "reg.local:5000/web:1.0.0" # pinned by bot

          ports: [{containerPort: 80}]
`;

test('an edit changes only the bytes of the image scalar', () => {
  assert.equal(setImage(annotated, 'reg.local:5000/web:1.2.0'), annotated.replace('web:1.0.0', 'web:1.2.0'));
});

test('double, single and plain quoting are kept', () => {
  for (const written of ['"web:1.0"', "'web:1.0'", 'web:1.0']) {
    assert.equal(setImage(deployment(written), 'web:1.1'), deployment(written.replace('1.0', '1.1')));
  }
});

test('a plain value that would read as a number is written double-quoted', () => {
  const text = 'images:\n- name: web\n  newTag: v1\n';
  assert.equal(setImage(text, 'web:1.10', 'kustomization.yaml'), 'images:\n- name: web\n  newTag: "1.10"\n');
});

test('applying the same change twice changes nothing the second time', () => {
  const once = setImage(annotated, 'reg.local:5000/web:2.0.0');
  assert.equal(setImage(once, 'reg.local:5000/web:2.0.0'), once);
});

test('no edits return the text unchanged', () => {
  assert.equal(applyEdits('app.yaml', annotated, []), annotated);
});

test('a split Helm image changes only the fields whose value changes', () => {
  const text = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop}\nspec:\n  values:\n    image:\n      registry: ghcr.io\n      repository: org/shop   # keep\n      tag: 1.0.0\n';
  assert.equal(setImage(text, 'ghcr.io/org/shop:1.1.0'), text.replace('tag: 1.0.0', 'tag: 1.1.0'));
  assert.equal(setImage(text, 'quay.io/org/shop:1.0.0'), text.replace('registry: ghcr.io', 'registry: quay.io'));
});

test('a split image refuses a new image without the registry it keeps separately', () => {
  const text = 'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: shop}\nspec:\n  values:\n    registry: ghcr.io\n    image: org/shop\n    tag: "1"\n';
  assert.throws(() => setImage(text, 'org/shop:2'), /registry/);
});

test('a kustomize entry without newTag refuses a tag change: only existing scalars are edited', () => {
  const text = 'images:\n- name: web\n  newName: ghcr.io/org/web\n';
  assert.throws(
    () => setImage(text, 'ghcr.io/org/web:2', 'kustomization.yaml'),
    (e: unknown) => e instanceof EditError && /no field holds the tag/.test(e.message),
  );
});

test('a kustomize entry never edits name: a new repository needs newName', () => {
  const text = 'images:\n- name: web\n  newTag: "1"\n';
  assert.throws(() => setImage(text, 'other:1', 'kustomization.yaml'), /no field holds the name/);
  assert.equal(setImage(text, 'web:2', 'kustomization.yaml'), text.replace('"1"', '"2"'));
});

test('an edit that would drop the digest is refused', () => {
  const digest = `sha256:${'b'.repeat(64)}`;
  const text = `images:\n- name: web\n  newTag: "1"\n  digest: ${digest}\n`;
  assert.throws(() => setImage(text, 'web:2', 'kustomization.yaml'), /cannot be removed/);
  const next = `sha256:${'c'.repeat(64)}`;
  assert.equal(setImage(text, `web:2@${next}`, 'kustomization.yaml'), text.replace('"1"', '"2"').replace(digest, next));
});

test('a slot found in an older text is refused', () => {
  const slot = onlySlot(deployment('web:1.0'));
  assert.throws(() => applyEdits('app.yaml', deployment('web:1.00'), [{ slot, image: 'web:2' }]), /changed since/);
});

test('an invalid new image is refused', () => {
  assert.throws(() => setImage(deployment('web:1'), 'web:not a tag'), /invalid image reference/);
});

test('a block scalar image is refused', () => {
  assert.throws(() => setImage(deployment('|-\n            web:1'), 'web:2'), /block scalar/);
});

const shared = `kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: web
    image: &img web:1
  - name: side
    image: *img
`;

test('an anchor shared by two slots is edited once when both want the same image', () => {
  const { slots } = slotsOf(shared);
  assert.equal(slots.length, 2);
  assert.equal(
    applyEdits(
      'app.yaml',
      shared,
      slots.map((slot) => ({ slot, image: 'web:2' })),
    ),
    shared.replace('&img web:1', '&img web:2'),
  );
});

test('an anchor shared by two slots refuses two different images', () => {
  const [a, b] = slotsOf(shared).slots;
  assert.throws(
    () =>
      applyEdits('app.yaml', shared, [
        { slot: a!, image: 'web:2' },
        { slot: b!, image: 'web:3' },
      ]),
    /same field/,
  );
});

test('an anchor edited for one slot only is refused: the other slot would change too', () => {
  const [first] = slotsOf(shared).slots;
  assert.throws(() => applyEdits('app.yaml', shared, [{ slot: first!, image: 'web:2' }]), EditError);
});

test('CRLF endings and a BOM are kept byte for byte', () => {
  const text = `\uFEFF${deployment('web:1.0')}`.replace(/\n/g, '\r\n');
  assert.equal(setImage(text, 'web:1.1'), text.replace('web:1.0', 'web:1.1'));
});

test('flow style: the scalar inside the flow mapping is edited in place', () => {
  const text = 'kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: "a:1"}, {name: b, image: b:1}]}\n';
  const { slots } = slotsOf(text);
  const out = applyEdits('app.yaml', text, [
    { slot: slots[1]!, image: 'b:2' },
    { slot: slots[0]!, image: 'a:2' },
  ]);
  assert.equal(out, text.replace('"a:1"', '"a:2"').replace('b:1}', 'b:2}'));
});

test('edits for another file are refused', () => {
  const slot = onlySlot(deployment('web:1'));
  assert.throws(() => applyEdits('other.yaml', deployment('web:1'), [{ slot, image: 'web:2' }]), /another file|slot in app.yaml/);
});

test('a file that does not parse is refused', () => {
  const slot = onlySlot(deployment('web:1'));
  assert.throws(() => applyEdits('app.yaml', `${deployment('web:1')}---\n[oops\n`, [{ slot, image: 'web:2' }]), /not valid YAML/);
});

test('a marker slot edit keeps the comment and splices only the tag', () => {
  const text = 'job:\n  repository: ghcr.io/org/job   # tagpilot: name\n  tag: 1.2.0   # tagpilot: tag semver:~1.2\n';
  assert.equal(setImage(text, 'ghcr.io/org/job:1.2.7', 'values.yaml'), text.replace('1.2.0', '1.2.7'));
});

test('findSlots on the edited text finds the new image', () => {
  const out = setImage(annotated, 'reg.local:5000/web:1.5.0');
  assert.equal(findSlots([{ path: 'app.yaml', text: out }]).slots[0]!.image, 'reg.local:5000/web:1.5.0');
});

test('a workload namespaced by its kustomization is edited (verification re-reads the file alone)', () => {
  const files = [
    { path: 'apps/kustomization.yaml', text: 'namespace: shop\n' },
    { path: 'apps/web.yaml', text: deployment('web:1') },
  ];
  const slot = findSlots(files).slots.find((s) => s.workload === 'shop:deployment/web')!;
  assert.equal(applyEdits('apps/web.yaml', files[1]!.text, [{ slot, image: 'web:2' }]), deployment('web:2'));
});

/** Two Deployments in one List: the automated one anchors its image, the other aliases it. */
function sharedAcrossWorkloads(legacyImage: string, legacyAnnotations = ''): string {
  return `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.app: "semver:^1"}
  spec:
    template:
      spec:
        containers:
          - name: app
            image: &img reg.local/web:1.0.0
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: legacy
    namespace: old${legacyAnnotations}
  spec:
    template:
      spec:
        containers:
          - name: app
            ${legacyImage}
`;
}

test('shared anchor: an edit that would also change an unautomated workload through an alias is refused, naming it', () => {
  const text = sharedAcrossWorkloads('image: *img');
  const automated = slotsOf(text).slots.filter((s) => s.policy !== undefined);
  assert.equal(automated.length, 1);
  assert.throws(
    () =>
      applyEdits(
        'app.yaml',
        text,
        automated.map((slot) => ({ slot, image: 'reg.local/web:1.1.0' })),
      ),
    (e: unknown) => e instanceof EditError && /would also change old:deployment\/legacy \(container app\) at items\[1\]\.spec\.template\.spec\.containers\[0\]\.image/.test(e.message),
  );
});

test('shared anchor: both workloads edited to the same image is one splice, and both are intended', () => {
  const text = sharedAcrossWorkloads('image: *img', '\n    annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.app: "semver:^1"}');
  const slots = slotsOf(text).slots;
  assert.equal(slots.length, 2);
  assert.equal(
    applyEdits(
      'app.yaml',
      text,
      slots.map((slot) => ({ slot, image: 'reg.local/web:1.1.0' })),
    ),
    text.replace('web:1.0.0', 'web:1.1.0'),
  );
});

/** A Pod whose second container merges the first (`<<: *base`), with `own` lines of its own. */
const merged = (own = '') => `kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - &base {name: web, image: web:1}\n  - <<: *base\n    name: copy\n${own}`;

test('shared anchor: a container that merges the anchored map (<<) is another place that would change', () => {
  const text = merged();
  const web = slotsOf(text).slots.find((s) => s.container === 'web')!;
  assert.throws(() => applyEdits('app.yaml', text, [{ slot: web, image: 'web:2' }]), /would also change pod\/p \(container copy\) at spec\.containers\[1\]\.image/);
});

test('shared anchor: a merged key the map sets itself is not a place the edit reaches', () => {
  const text = merged('    image: other:1\n');
  const web = slotsOf(text).slots.find((s) => s.container === 'web')!;
  assert.equal(applyEdits('app.yaml', text, [{ slot: web, image: 'web:2' }]), text.replace('image: web:1}', 'image: web:2}'));
});

test('shared anchor: a values field that aliases a marked tag is refused', () => {
  const text = 'job:\n  repository: ghcr.io/org/job   # tagpilot: name\n  tag: &t 1.2.0   # tagpilot: tag semver:~1.2\nmirror:\n  tag: *t\n';
  assert.throws(() => setImage(text, 'ghcr.io/org/job:1.2.7', 'values.yaml'), /would also change another value at mirror\.tag/);
});

/** Nine levels of nine aliases each (9⁹ values when expanded), built on `leaf`. */
function aliasBomb(leaf: string): string {
  const levels = [`x-a: &a [${Array(9).fill(leaf).join(',')}]`];
  for (let i = 1; i < 9; i++)
    levels.push(
      `x-${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  return levels.join('\n');
}

test('shared anchor: an alias bomb elsewhere in the file does not stop the edit', () => {
  const text = `${aliasBomb('"x"')}\n${deployment('web:1')}`;
  assert.equal(setImage(text, 'web:2'), text.replace('image: web:1', 'image: web:2'));
});

test('shared anchor: an alias bomb built on the edited value is refused, not expanded', () => {
  const text = `kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: web, image: &img web:1}\n${aliasBomb('*img')}\n`;
  const slot = onlySlot(text);
  assert.throws(() => applyEdits('app.yaml', text, [{ slot, image: 'web:2' }]), /too many aliased values to check|would also change/);
});
