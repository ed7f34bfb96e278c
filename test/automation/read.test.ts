import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heldBudget, readSlots, DEFAULT_READ_LIMITS, HELD_TEXT_CHARS } from '../../src/automation/read.ts';
import type { FileSource, ListedFile } from '../../src/automation/index.ts';
import { TagpilotError } from '../../src/problems/index.ts';

const deployment = (name: string, pad = 0) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  annotations: {tagpilot.io/automated: "true", tagpilot.io/tag.app: "semver:^1"}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: reg.local/${name}:1.0.0\n${'#'.repeat(pad)}\n`;

/** An in-memory repository that records which files were read, and how often. */
function source(files: Record<string, string>, unmatched: string[] = []): FileSource & { reads: string[] } {
  const listed: ListedFile[] = Object.entries(files).map(([path, text]) => ({ path, oid: path, size: Buffer.byteLength(text) }));
  const reads: string[] = [];
  return {
    reads,
    listFiles: async (_head, _roots, accept) => ({ files: listed.filter((f) => accept(f.path)), unmatched }),
    async readBlob(file, maxBytes) {
      if (file.size > maxBytes) throw new TagpilotError('object-too-large', `${file.path} is too large`);
      reads.push(file.path);
      return new TextEncoder().encode(files[file.path]!);
    },
  };
}

test('read: a file over the per-file limit is a file-too-large problem naming it, and is never read', async () => {
  const repo = source({ 'apps/big.yaml': deployment('big', 300 * 1024), 'apps/web.yaml': deployment('web') });
  const read = await readSlots(repo, 'c0ffee', ['apps']);
  assert.deepEqual(
    read.slots.map((s) => s.workload),
    ['default:deployment/web'],
  );
  assert.deepEqual(
    read.problems.map((p) => [p.subject, p.code]),
    [['apps/big.yaml', 'file-too-large']],
  );
  assert.match(read.problems[0]!.message, /over the 262144 byte limit per file \(git\.maxFileSize\)/);
  assert.ok(!repo.reads.includes('apps/big.yaml'));
});

test('read: files past the per-cycle byte budget are skipped with cycle-bytes-limit, in path order', async () => {
  const files = Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [`apps/${n}.yaml`, deployment(n, 1000)]));
  const size = Buffer.byteLength(files['apps/a.yaml']!);
  const read = await readSlots(source(files), 'c0ffee', ['apps'], { limits: { maxCycleBytes: 2 * size + 10 } });
  assert.deepEqual(
    read.slots.map((s) => s.workload),
    ['default:deployment/a', 'default:deployment/b'],
  );
  assert.deepEqual(
    read.problems.map((p) => [p.subject, p.code]),
    [
      ['apps/c.yaml', 'cycle-bytes-limit'],
      ['apps/d.yaml', 'cycle-bytes-limit'],
    ],
  );
});

test('read: the limits are settable and the defaults are 256 KiB per file and 64 MiB per cycle', async () => {
  assert.deepEqual(DEFAULT_READ_LIMITS, { maxFileBytes: 256 * 1024, maxCycleBytes: 64 * 1024 * 1024 });
  const read = await readSlots(source({ 'apps/big.yaml': deployment('big', 300 * 1024) }), 'c0ffee', ['apps'], { limits: { maxFileBytes: 1024 * 1024 } });
  assert.deepEqual(
    read.slots.map((s) => s.workload),
    ['default:deployment/big'],
  );
});

test('read: a paths entry that matches no manifest is a path-matches-nothing problem', async () => {
  const read = await readSlots(source({ 'apps/web.yaml': deployment('web') }, ['clusters/prod']), 'c0ffee', ['apps', 'clusters/prod']);
  assert.deepEqual(
    read.problems.map((p) => [p.subject, p.code]),
    [['clusters/prod', 'path-matches-nothing']],
  );
  assert.match(read.problems[0]!.message, /git\.paths entry "clusters\/prod" matches no manifest file/);
});

test('read: a kustomization read in the first pass names the namespace of a file read before it', async () => {
  const repo = source({ 'apps/a-web.yaml': deployment('web'), 'apps/kustomization.yaml': 'namespace: shop\nresources: [a-web.yaml]\n' });
  const read = await readSlots(repo, 'c0ffee', ['apps']);
  assert.deepEqual(
    read.slots.map((s) => s.workload),
    ['shop:deployment/web'],
  );
});

test('read: each file is read once per pass, in listing order', async () => {
  const repo = source({ 'apps/kustomization.yaml': 'namespace: shop\n', 'apps/web.yaml': deployment('web') });
  await readSlots(repo, 'c0ffee', ['apps']);
  assert.deepEqual(repo.reads, ['apps/kustomization.yaml', 'apps/web.yaml', 'apps/kustomization.yaml', 'apps/web.yaml']);
});

test('read: a file that cannot be read is a problem for that file; the others still count', async () => {
  const repo = source({ 'apps/a.yaml': deployment('a'), 'apps/b.yaml': deployment('b') });
  const readBlob = repo.readBlob.bind(repo);
  repo.readBlob = async (file, max) => {
    if (file.path === 'apps/a.yaml') throw new TagpilotError('object-corrupt', 'pack entry at offset 12 is unusable');
    return readBlob(file, max);
  };
  const read = await readSlots(repo, 'c0ffee', ['apps']);
  assert.deepEqual(
    read.slots.map((s) => s.workload),
    ['default:deployment/b'],
  );
  assert.deepEqual(
    read.problems.map((p) => [p.subject, p.code]),
    [['apps/a.yaml', 'object-corrupt']],
  );
});

const UPDATER = 'argocd-image-updater.argoproj.io/';
const application = `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n  namespace: argocd\n  annotations:\n    ${UPDATER}image-list: web=ghcr.io/acme/web:~1.26\nspec:\n  source:\n    path: charts/shop\n`;
const override = 'helm:\n  parameters:\n  - name: image.tag\n    value: 1.26.1\n';

test('read: an Image Updater Application learnt in the first pass gives its .argocd-source file, listed before it, the slots', async () => {
  const repo = source({ 'charts/shop/.argocd-source-shop.yaml': override, 'charts/shop/app.yaml': application });
  const read = await readSlots(repo, 'c0ffee', ['charts']);
  assert.deepEqual(read.problems, []);
  assert.deepEqual(
    read.slots.map((s) => [s.file, s.workload, s.image, s.policy?.source]),
    [['charts/shop/.argocd-source-shop.yaml', 'argocd:application/shop', 'ghcr.io/acme/web:1.26.1', 'semver:~1.26']],
  );
});

const fluxAutomation =
  'apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata: {name: prod, namespace: flux-system}\nspec:\n  git:\n    commit:\n      messageTemplate: "chore: images"\n  update: {path: ./clusters/prod}\n---\napiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: web, namespace: flux-system}\nspec:\n  imageRepositoryRef: {name: web}\n  policy:\n    semver: {range: "^1"}\n';
const marker = 'image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n';

test('read: Flux ImageUpdateAutomations from any file bound the markers of files read before them, and are returned for the commit subject', async () => {
  const repo = source({ 'clusters/prod/web.yaml': marker, 'clusters/staging/web.yaml': marker, 'flux/automation.yaml': fluxAutomation });
  const read = await readSlots(repo, 'c0ffee', ['clusters', 'flux']);
  assert.deepEqual(
    read.slots.map((s) => [s.file, s.policy?.source]),
    [
      ['clusters/prod/web.yaml', 'semver:^1'],
      ['clusters/staging/web.yaml', undefined],
    ],
  );
  assert.deepEqual(
    read.problems.map((p) => p.subject),
    ['clusters/staging/web.yaml'],
  );
  assert.deepEqual(read.fluxAutomations, [{ name: 'flux-system/prod', path: 'clusters/prod', messageTemplate: 'chore: images' }]);
});

test('read: the files with an automated slot are held as read and parsed, for the edit; the others are not', async () => {
  const plain = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db}\nspec: {template: {spec: {containers: [{name: db, image: "reg.local/db:1.0.0"}]}}}\n';
  const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n';
  const read = await readSlots(source({ 'apps/web.yaml': deployment('web'), 'apps/db.yaml': plain, 'apps/svc.yaml': service }), 'c0ffee', ['apps']);
  assert.deepEqual([...(read.held?.keys() ?? [])], ['apps/web.yaml']);
  const held = read.held?.get('apps/web.yaml');
  assert.equal(held?.text, deployment('web'));
  assert.equal(held?.parsed?.text, held?.text, 'the parse is of that text');
  read.release?.();
  assert.equal(read.held?.size, 0, 'released, the parses are dropped');
});

test('read: parses are held up to HELD_TEXT_CHARS of text; the files past it are left to be read again', async () => {
  const pad = Math.ceil(HELD_TEXT_CHARS / 3);
  const files = Object.fromEntries(['a', 'b', 'c', 'd'].map((n) => [`apps/${n}.yaml`, deployment(n, pad)]));
  const read = await readSlots(source(files), 'c0ffee', ['apps'], { limits: { maxFileBytes: HELD_TEXT_CHARS } });
  assert.equal(read.slots.length, 4);
  assert.deepEqual([...(read.held?.keys() ?? [])], ['apps/a.yaml', 'apps/b.yaml']);
  read.release?.();
});

test('read: a budget of held text passed to reads at once is shared: a read while another holds it gets what is left, and all of it once released', async () => {
  const pad = Math.ceil(HELD_TEXT_CHARS / 3);
  const files = Object.fromEntries(['a', 'b', 'c'].map((n) => [`apps/${n}.yaml`, deployment(n, pad)]));
  const options = { limits: { maxFileBytes: HELD_TEXT_CHARS }, held: heldBudget() };
  const first = await readSlots(source(files), 'c0ffee', ['apps'], options);
  const second = await readSlots(source(files), 'c0ffee', ['apps'], options);
  assert.deepEqual([first.held?.size, second.held?.size], [2, 0]);
  first.release?.();
  first.release?.(); // once is enough; twice gives nothing more back
  second.release?.();
  const third = await readSlots(source(files), 'c0ffee', ['apps'], options);
  assert.equal(third.held?.size, 2);
  third.release?.();
  assert.equal(options.held.chars, HELD_TEXT_CHARS);
});

test('read: a read given no budget has HELD_TEXT_CHARS of its own, whatever other reads hold', async () => {
  const pad = Math.ceil(HELD_TEXT_CHARS / 3);
  const files = Object.fromEntries(['a', 'b', 'c'].map((n) => [`apps/${n}.yaml`, deployment(n, pad)]));
  const options = { limits: { maxFileBytes: HELD_TEXT_CHARS } };
  const first = await readSlots(source(files), 'c0ffee', ['apps'], options);
  const second = await readSlots(source(files), 'c0ffee', ['apps'], options);
  assert.deepEqual([first.held?.size, second.held?.size], [2, 2]);
  first.release?.();
  second.release?.();
});
