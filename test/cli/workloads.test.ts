import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomization, locked, repoWith, run, web } from './helpers.ts';

test('workloads lists each slot with its id (workload, or file), file:line, name, image, policy, lock and freeze', async (t) => {
  const repo = repoWith({ 'apps/web.yaml': web, 'apps/frozen.yaml': locked, 'apps/kustomization.yaml': kustomization });
  t.after(repo.cleanup);
  const { code, out, err } = await run(['workloads', '--repo', repo.dir], '/');
  assert.equal(err, '');
  assert.equal(code, 0);
  const lines = out
    .trimEnd()
    .split('\n')
    .map((l) => l.split(/\s{2,}/));
  assert.deepEqual(lines[0], ['WORKLOAD', 'FILE:LINE', 'CONTAINER', 'IMAGE', 'POLICY', 'LOCK', 'FREEZE']);
  assert.deepEqual(lines.slice(1), [
    ['shop:deployment/frozen', 'apps/frozen.yaml:17', 'web', 'ghcr.io/acme/web:1.0.0', 'semver:^1', 'locked by ana: incident 42', '-'],
    ['shop:deployment/frozen', 'apps/frozen.yaml:19', 'proxy', 'envoyproxy/envoy:v1.29.1', '-', 'locked by ana: incident 42', '-'],
    ['apps/kustomization.yaml', 'apps/kustomization.yaml:3', 'api', 'api:2.0', '-', '-', '-'],
    ['shop:deployment/web', 'apps/web.yaml:14', 'web', 'ghcr.io/acme/web:1.0.0', 'semver:^1', '-', '-'],
    ['shop:deployment/web', 'apps/web.yaml:16', 'proxy', 'envoyproxy/envoy:v1.29.1', '-', '-', '-'],
  ]);
});

test('workloads --json groups containers under their workload', async (t) => {
  const repo = repoWith({ 'web.yaml': web });
  t.after(repo.cleanup);
  const { code, out } = await run(['workloads', '--json'], repo.dir);
  assert.equal(code, 0);
  const parsed = JSON.parse(out);
  assert.equal(parsed.workloads.length, 1);
  assert.equal(parsed.workloads[0].workload, 'shop:deployment/web');
  assert.deepEqual(parsed.workloads[0].lock, { locked: false });
  assert.deepEqual(
    parsed.workloads[0].containers.map((c: { container: string; policy: string }) => [c.container, c.policy]),
    [
      ['web', 'semver:^1'],
      ['proxy', null],
    ],
  );
  assert.deepEqual(parsed.problems, []);
});

test('workloads reports a broken file on stderr with file and line, lists the rest, and exits 0', async (t) => {
  const repo = repoWith({ 'web.yaml': web, 'broken.yaml': 'image: [1,\n' });
  t.after(repo.cleanup);
  const { code, out, err } = await run(['workloads'], repo.dir);
  assert.equal(code, 0);
  assert.match(out, /shop:deployment\/web/);
  assert.match(err, /^broken\.yaml:\d+: not valid YAML/);
});

test('workloads --strict exits 1 when a file had a problem', async (t) => {
  const repo = repoWith({ 'web.yaml': web, 'broken.yaml': 'image: [1,\n' });
  t.after(repo.cleanup);
  const { code, out } = await run(['workloads', '--strict'], repo.dir);
  assert.equal(code, 1);
  assert.match(out, /shop:deployment\/web/);
});

test('workloads --path reads only below the given paths', async (t) => {
  const repo = repoWith({ 'a/web.yaml': web, 'b/web.yaml': web.replace('name: web\n  namespace', 'name: other\n  namespace') });
  t.after(repo.cleanup);
  const { out } = await run(['workloads', '--path', 'b'], repo.dir);
  assert.doesNotMatch(out, /deployment\/web/);
  assert.match(out, /deployment\/other/);
});

test('workloads rejects an unknown option as a usage error', async () => {
  const { code, err } = await run(['workloads', '--nope'], '/');
  assert.equal(code, 2);
  assert.match(err, /unknown option '--nope'/);
});

test('workloads --repo naming a missing directory says so and exits 2, without a raw ENOENT', async () => {
  const { code, out, err } = await run(['workloads', '--repo', '/no/such/checkout'], '/');
  assert.deepEqual([code, out, err], [2, '', 'tagpilot workloads: --repo /no/such/checkout: the directory does not exist\n']);
});

const marked = 'frontend:\n  image: ghcr.io/acme/frontend:2.0.0 # {"$imagepolicy": "flux-system:frontend"}\n';

test('workloads --config reads the named policies that $imagepolicy markers refer to', async (t) => {
  const repo = repoWith({ 'values.yaml': marked });
  t.after(repo.cleanup);
  const config = join(repo.dir, 'tagpilot.yaml');
  writeFileSync(config, 'git: { url: https://git.example/fleet.git }\npolicies:\n  flux-system:frontend: { policy: "semver:^2" }\n');
  const withConfig = await run(['workloads', '--json', '--config', config], repo.dir);
  assert.equal(withConfig.err, '');
  const parsed = JSON.parse(withConfig.out) as { workloads: { containers: { policy: string | null }[] }[]; problems: unknown[] };
  assert.deepEqual([parsed.workloads[0]?.containers[0]?.policy, parsed.problems], ['semver:^2', []]);
  // Without the config no policy is in flux-system: the marker is not ours, a note and no problem.
  const without = await run(['workloads', '--json', '--strict'], repo.dir);
  assert.equal(without.code, 0, without.err);
  assert.match(without.err, /^note: values\.yaml:2: marker names policy "flux-system:frontend": tagpilot has no policy in namespace "flux-system"/);
  const notes = JSON.parse(without.out) as { problems: unknown[]; notices: { code: string }[] };
  assert.deepEqual([notes.problems, notes.notices.map((n) => n.code)], [[], ['marker-not-ours']]);
});

test('workloads --config with an invalid config exits 2 and names the file', async (t) => {
  const repo = repoWith({ 'values.yaml': marked });
  t.after(repo.cleanup);
  const config = join(repo.dir, 'tagpilot.yaml');
  writeFileSync(config, 'git: { url: https://git.example/fleet.git }\nnamedPolicies: {}\n');
  const { code, err } = await run(['workloads', '--config', config], repo.dir);
  assert.equal(code, 2);
  assert.match(err, /tagpilot\.yaml: invalid config:\n {2}\(top level\): unknown key "namedPolicies" \(did you mean "policies"\?\)/);
});

test("workloads shows each slot's freezes: its workload's tagpilot.io/freeze and its repository's .tagpilot.yaml", async (t) => {
  const annotated = web.replace('    tagpilot.io/tag.web: semver:^1\n', '    tagpilot.io/tag.web: semver:^1\n    tagpilot.io/freeze: "Fri 16:00-Mon 08:00 Europe/Berlin"\n');
  const repo = repoWith({ 'apps/web.yaml': annotated, 'apps/.tagpilot.yaml': 'freeze:\n  - window: 2026-12-20 .. 2027-01-04 UTC\n    reason: holiday freeze\n', 'other/web.yaml': web.replace('namespace: shop', 'namespace: other') });
  t.after(repo.cleanup);
  const { code, out, err } = await run(['workloads', '--path', 'apps', '--path', 'other'], repo.dir);
  assert.deepEqual([code, err], [0, '']);
  const freezes = out
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => {
      const cells = l.split(/\s{2,}/);
      return `${cells[0]} ${cells[2]}: ${cells.at(-1)}`;
    });
  assert.deepEqual(freezes, [
    'shop:deployment/web web: Fri 16:00-Mon 08:00 Europe/Berlin; 2026-12-20 .. 2027-01-04 UTC (apps/.tagpilot.yaml)',
    'shop:deployment/web proxy: Fri 16:00-Mon 08:00 Europe/Berlin; 2026-12-20 .. 2027-01-04 UTC (apps/.tagpilot.yaml)',
    'other:deployment/web web: -',
    'other:deployment/web proxy: -',
  ]);
  const json = JSON.parse((await run(['workloads', '--json', '--path', 'apps'], repo.dir)).out) as { workloads: { containers: { repoFreeze: unknown[] }[] }[] };
  assert.deepEqual(json.workloads[0]?.containers[0]?.repoFreeze, [{ window: '2026-12-20 .. 2027-01-04 UTC', file: 'apps/.tagpilot.yaml', reason: 'holiday freeze' }]);
});

test('workloads names an unreadable .tagpilot.yaml as a problem, and shows its slots frozen', async (t) => {
  const repo = repoWith({ 'web.yaml': web, '.tagpilot.yaml': 'freeze: [someday]\n' });
  t.after(repo.cleanup);
  const { code, out, err } = await run(['workloads', '--strict'], repo.dir);
  assert.equal(code, 1);
  assert.match(err, /^\.tagpilot\.yaml: .*a cycle freezes every slot under \. until this is fixed/);
  assert.match(out, /unreadable: frozen until fixed \(\.tagpilot\.yaml\)/);
});
