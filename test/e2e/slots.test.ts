import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git } from '../harness/git-repos.ts';
import { runCli } from '../harness/cli.ts';

/** One repository with every kind of slot the cycle edits. */
const files = (r: string): Record<string, string> => ({
  'apps/api/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations: { tagpilot.io/automated: "true", tagpilot.io/tag.api: "semver:^1" }
spec:
  template:
    spec:
      containers:
        - name: api
          image: ${r}/team/api:1.0.0
`,
  'apps/prod/kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: prod
images:
  - name: worker
    newName: ${r}/team/worker
    newTag: 2.0.0 # tagpilot: tag semver:~2.0
  - name: nginx
    newTag: "1.25"
`,
  'charts/cache/values.yaml': `# Values for the cache chart.
cache:
  image:
    repository: ${r}/team/cache   # tagpilot: name
    tag: "5.0.1"                  # tagpilot: tag semver:5.0.x
  replicas: 3
`,
});

describe('the cycle edits every kind of slot', () => {
  let stack: Stack;
  let bare: string;
  let initial: Record<string, string>;

  before(async () => {
    stack = await startStack();
    const { registry } = stack;
    await seedTags(registry.url, 'team/api', versionTags(['1.0.0', '1.1.0', '2.0.0']));
    await seedTags(registry.url, 'team/worker', versionTags(['2.0.0', '2.0.3', '2.1.0']));
    await seedTags(registry.url, 'team/cache', versionTags(['5.0.1', '5.0.2', '5.1.0']));
    initial = files(registry.host);
    bare = createBareRepo(stack.server.root, 'kinds', initial);
    const result = await runCli(['run', '--once', '--config', stack.config('kinds', '', ['apps', 'charts'])]);
    assert.equal(result.code, 0, result.err);
  });

  after(() => stack.stop());

  const expectOnly = (path: string, from: string, to: string) => assert.equal(git(bare, 'show', `main:${path}`), initial[path]!.replace(from, to));

  test('a Deployment container image', () => expectOnly('apps/api/deployment.yaml', 'api:1.0.0', 'api:1.1.0'));
  test('a kustomization images entry, by its newTag marker', () => expectOnly('apps/prod/kustomization.yaml', 'newTag: 2.0.0', 'newTag: 2.0.3'));
  test('a Helm values file with name and tag markers', () => expectOnly('charts/cache/values.yaml', 'tag: "5.0.1"', 'tag: "5.0.2"'));

  test('all three land in one commit', () => {
    assert.equal(git(bare, 'rev-list', '--count', 'main').trim(), '2');
    assert.match(git(bare, 'log', '-1', '--format=%s', 'main'), /^tagpilot: update 3 images in 3 workloads/);
  });
});
