/**
 * Issue 21 through the real registry and Git: a Flux repository whose ImageRepository moved to
 * another registry gets every marked field rewritten in one commit, the old registry never asked;
 * a marker of another namespace is a note, never a problem (`--strict` exits 0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { runCli } from '../harness/cli.ts';
import { fluxPolicy, imagePolicyMarker } from '../fakes/flux.ts';

const P = (part = '') => imagePolicyMarker('podinfo', part);

const flux = (image: string) => fluxPolicy({ name: 'podinfo', image });

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: podinfo, namespace: podinfo}
spec:
  template:
    spec:
      containers:
      - name: podinfod
        image: ${image} ${P()}
`;

const kustomization = (name: string, tag: string) => `images:
- name: podinfo
  newName: ${name} ${P(':name')}
  newTag: ${tag} ${P(':tag')}
`;

const OTHER = `kind: Pod
metadata: {name: foreign}
spec:
  containers:
  - name: c
    image: user:v1.0.0 # {"$imagepolicy": "other-namespace:policy"}
`;

describe('a registry move through the Flux ImageRepository', () => {
  let stack: Stack;
  let bare: string;
  let config: string;
  let mirror: string;

  before(async () => {
    stack = await startStack();
    mirror = `${stack.registry.host}/mirror/podinfo`;
    await seedTags(stack.registry.url, 'mirror/podinfo', versionTags(['6.5.0', '6.5.1', '7.0.0']));
    bare = createBareRepo(stack.server.root, 'flux-move', {
      'apps/flux/podinfo.yaml': flux(mirror),
      'apps/podinfo/deployment.yaml': deployment('ghcr.io/stefanprodan/podinfo:6.5.0'),
      'apps/podinfo/kustomization.yaml': kustomization('ghcr.io/stefanprodan/podinfo', '6.5.0'),
      'apps/other/pod.yaml': OTHER,
    });
    config = stack.config('flux-move');
  });

  after(() => stack.stop());

  test('plan --strict: the foreign marker is a note, and there is no problem', async () => {
    const { code, out, err } = await runCli(['plan', '--config', config, '--strict']);
    assert.equal(code, 0, `${out}\n${err}`);
    assert.match(out, /\nnote: apps\/other\/pod\.yaml:6: marker names policy "other-namespace:policy": .* not ours/);
    assert.doesNotMatch(out, /\nproblem:/);
  });

  test('run --once rewrites every marked field to the mirror in one commit, the old registry never asked', async () => {
    const { code, err } = await runCli(['run', '--once', '--config', config]);
    assert.equal(code, 0, err);
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
    const changed = git(bare, 'diff', '--name-only', 'main~1', 'main').trim().split('\n');
    assert.deepEqual(changed, ['apps/podinfo/deployment.yaml', 'apps/podinfo/kustomization.yaml']);
    assert.equal(git(bare, 'show', 'main:apps/podinfo/deployment.yaml'), deployment(`${mirror}:6.5.1`));
    assert.equal(git(bare, 'show', 'main:apps/podinfo/kustomization.yaml'), kustomization(mirror, '6.5.1'));
    assert.equal(git(bare, 'show', 'main:apps/other/pod.yaml'), OTHER);
  });
});
