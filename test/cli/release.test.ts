import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locked, repoWith, run, web } from './helpers.ts';

test("release sets the container running the image's repository and commits only that change", async (t) => {
  const repo = repoWith({ 'apps/web.yaml': web });
  t.after(repo.cleanup);
  const { code, out, err } = await run(['release', '--repo', repo.dir, '--workload', 'shop:deployment/web', '--image', 'ghcr.io/acme/web:1.2.0', '--no-lock'], '/');
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.match(out, /apps\/web\.yaml:14 shop:deployment\/web web: ghcr\.io\/acme\/web:1\.0\.0 -> ghcr\.io\/acme\/web:1\.2\.0/);
  assert.equal(readFileSync(join(repo.dir, 'apps/web.yaml'), 'utf8'), web.replace('web:1.0.0', 'web:1.2.0'));
  assert.equal(repo.git('status', '--porcelain'), '');
  assert.match(repo.git('log', '-1', '--format=%s%n%an'), /^Release ghcr.io\/acme\/web:1.2.0 to shop:deployment\/web\nTest\n$/);
  assert.equal(repo.git('diff', '--stat', 'HEAD~1').trim().split('\n').length, 2);
});

test('release locks the slot it sets by default, and its commit carries a Tagpilot-Operation trailer', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  const { code, err } = await run(['release', '--workload', 'shop:deployment/web', '--image', 'ghcr.io/acme/web:1.2.0', '--reason', 'hotfix', '--user', 'Ana <ana@example.com>'], repo.dir);
  assert.equal(code, 0, err);
  const text = readFileSync(join(repo.dir, 'web.yaml'), 'utf8');
  assert.match(text, /tagpilot\.io\/locked\.web: "true"\n {4}tagpilot\.io\/locked-by\.web: "Ana <ana@example\.com>"\n {4}tagpilot\.io\/locked-reason\.web: hotfix\n/);
  assert.match(repo.git('log', '-1', '--format=%B'), /\nTagpilot-Operation: release shop:deployment\/web web by=Ana%20<ana@example\.com> at=\S+ image=ghcr\.io\/acme\/web from=1\.0\.0 to=1\.2\.0 reason=hotfix\n/);
});

test('release --container picks the container by name, even for another repository', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  const { code } = await run(['release', '--workload', 'shop:deployment/web', '--container', 'proxy', '--image', 'mirror.local:5000/envoy:v1.30.0', '--no-commit', '--no-lock'], repo.dir);
  assert.equal(code, 0);
  assert.equal(readFileSync(join(repo.dir, 'web.yaml'), 'utf8'), web.replace('envoyproxy/envoy:v1.29.1', 'mirror.local:5000/envoy:v1.30.0'));
});

test('release --no-commit edits the files and leaves the commit to you', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  await run(['release', '--workload', 'shop:deployment/web', '--image', 'ghcr.io/acme/web:1.1.0', '--no-commit'], repo.dir);
  assert.equal(repo.git('status', '--porcelain'), ' M web.yaml\n');
  assert.equal(repo.git('rev-list', '--count', 'HEAD').trim(), '1');
});

test('release refuses a locked workload, naming who locked it and why', async (t) => {
  const repo = repoWith({ 'frozen.yaml': locked });
  t.after(repo.cleanup);
  const { code, err } = await run(['release', '--workload', 'shop:deployment/frozen', '--image', 'ghcr.io/acme/web:9.0.0'], repo.dir);
  assert.equal(code, 1);
  assert.match(err, /locked by ana: incident 42/);
  assert.equal(readFileSync(join(repo.dir, 'frozen.yaml'), 'utf8'), locked);
});

test('release --force releases a locked workload anyway', async (t) => {
  const repo = repoWith({ 'frozen.yaml': locked });
  t.after(repo.cleanup);
  const { code } = await run(['release', '--workload', 'shop:deployment/frozen', '--image', 'ghcr.io/acme/web:9.0.0', '--force'], repo.dir);
  assert.equal(code, 0);
  assert.equal(repo.git('rev-list', '--count', 'HEAD').trim(), '2');
});

test('release of the image already there changes and commits nothing', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  const { code, out } = await run(['release', '--workload', 'shop:deployment/web', '--image', 'ghcr.io/acme/web:1.0.0'], repo.dir);
  assert.equal(code, 0);
  assert.match(out, /nothing to do/);
  assert.equal(repo.git('rev-list', '--count', 'HEAD').trim(), '1');
});

test('release of an unknown workload or container says what exists', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  const none = await run(['release', '--workload', 'shop:deployment/nope', '--image', 'x:1'], repo.dir);
  assert.equal(none.code, 1);
  assert.match(none.err, /no workload shop:deployment\/nope/);
  const other = await run(['release', '--workload', 'shop:deployment/web', '--image', 'other/repo:1'], repo.dir);
  assert.match(other.err, /it has: web, proxy/);
});

test('release needs --workload and a valid --image', async () => {
  const missing = await run(['release', '--image', 'x:1'], '/');
  assert.deepEqual([missing.code, missing.err], [2, 'tagpilot release: missing --workload <id> (see tagpilot release --help)\n']);
  const bad = await run(['release', '--workload', 'a:b/c', '--image', 'Bad Image'], '/');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^tagpilot release: --image: /);
});

test('release addresses a Flux v1 FluxHelmRelease without annotations, by container', async (t) => {
  const values = 'image: org/shop\n    tag: "1.0.0"\n    worker:\n      image:\n        registry: registry.local:5000\n        repository: org/worker\n        tag: 1.0.0\n';
  const helm = `apiVersion: helm.integrations.flux.weave.works/v1alpha2\nkind: FluxHelmRelease\nmetadata:\n  name: shop\n  namespace: apps\nspec:\n  releaseName: shop\n  values:\n    ${values}`;
  const repo = repoWith({ 'releases/shop.yaml': helm });
  t.after(repo.cleanup);
  const { code, out } = await run(['release', '--workload', 'apps:fluxhelmrelease/shop', '--container', 'worker', '--image', 'registry.local:5000/org/worker:1.2.0', '--no-lock'], repo.dir);
  assert.equal(code, 0, out);
  assert.equal(readFileSync(join(repo.dir, 'releases/shop.yaml'), 'utf8'), helm.replace('tag: 1.0.0', 'tag: 1.2.0'));
});
