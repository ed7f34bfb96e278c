import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from '../../src/config/load.ts';
import { groupKey } from '../../src/hosting/index.ts';

const git = 'git: { url: https://git.example.com/acme/fleet.git }\n';
const review = (extra: string) => `${git}review:\n  host: github\n  repository: acme/fleet\n  token: { env: T }\n${extra}`;
const parsed = (extra: string) => parseConfig(review(extra), 'c.yaml', {}).automations[0]!.review!;

test('without branchPer there is one branch per target, tagpilot/{branch}, and at most 20 branches', () => {
  const r = parsed('');
  assert.deepEqual({ branchPer: r.branchPer, branch: r.branch, maxBranches: r.maxBranches, groups: r.groups }, { branchPer: 'target', branch: 'tagpilot/{branch}', maxBranches: 20, groups: [] });
});

test('per workload or group the default branch template is tagpilot/{branch}/{group}', () => {
  assert.equal(parsed('  branchPer: workload\n').branch, 'tagpilot/{branch}/{group}');
  assert.equal(parsed('  branchPer: group\n  groups: [{ name: web, workloads: ["shop:*/*"] }]\n').branch, 'tagpilot/{branch}/{group}');
  assert.equal(parsed('  branchPer: workload\n  branch: bots/{group}-for-{branch}\n').branch, 'bots/{group}-for-{branch}');
});

const REFUSED: [string, string, RegExp][] = [
  ['{group} with one branch per target', '  branch: tagpilot/{branch}/{group}\n', /review\.branch: \{group\} needs branchPer workload or group/],
  ['a template without {group} per workload', '  branchPer: workload\n  branch: tagpilot/{branch}\n', /review\.branch: branchPer workload needs \{group\}/],
  ['another placeholder', '  branchPer: workload\n  branch: tagpilot/{branch}/{group}/{name}\n', /only \{branch\} and \{group\} may be templated/],
  ['branchPer group without groups', '  branchPer: group\n', /review\.groups: branchPer group needs groups/],
  ['groups with branchPer workload', '  branchPer: workload\n  groups: [{ name: web, files: ["apps/**"] }]\n', /review\.groups: groups apply with branchPer group only/],
  ['a group without a matcher', '  branchPer: group\n  groups: [{ name: web }]\n', /a group needs workloads, images or files/],
  ['a group name that is no ref name', '  branchPer: group\n  groups: [{ name: "web/api", files: ["x"] }]\n', /review\.groups\.0\.name: must be 1 to 63 letters/],
  ['a group name ending in .lock', '  branchPer: group\n  groups: [{ name: web.lock, files: ["x"] }]\n', /not a valid ref name/],
  ['two groups of one name', '  branchPer: group\n  groups: [{ name: web, files: ["a"] }, { name: web, files: ["b"] }]\n', /review\.groups\.1\.name: web: a second group of that name/],
  ['maxBranches over 100', '  branchPer: workload\n  maxBranches: 101\n', /review\.maxBranches/],
  ['an unknown branchPer', '  branchPer: image\n', /review\.branchPer/],
];

for (const [what, extra, message] of REFUSED) {
  test(`refused: ${what}`, () => {
    assert.throws(
      () => parsed(extra),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('refused: agit with a branch per workload (it has no API to find or close reviews)', () => {
  assert.throws(
    () => parseConfig(`${git}review: { host: agit, branchPer: workload }\n`, 'c.yaml', {}),
    (error: unknown) => error instanceof ConfigError && /review\.branchPer: agit has no API/.test(error.message),
  );
});

test('docs/review-flows.md: the example of groups is valid config, with its groups in order', () => {
  const text = readFileSync('docs/review-flows.md', 'utf8').match(/```yaml config-review-groups\n([\s\S]*?)\n```/)?.[1];
  assert.ok(text, 'docs/review-flows.md has a config-review-groups block');
  const r = parseConfig(text, 'docs/review-flows.md', {}).automations[0]!.review!;
  assert.deepEqual({ branchPer: r.branchPer, branch: r.branch, maxBranches: r.maxBranches }, { branchPer: 'group', branch: 'tagpilot/{branch}/{group}', maxBranches: 20 });
  assert.deepEqual(
    r.groups.map((g) => g.name),
    ['frontend', 'databases', 'platform'],
  );
  // The groups' globs say what the docs say they match.
  const groups = r.groups;
  assert.equal(groupKey({ file: 'apps/shop/web.yaml', workload: 'shop:deployment/web-eu', repository: 'ghcr.io/acme/web' }, 'group', groups), 'group:frontend');
  assert.equal(groupKey({ file: 'apps/db.yaml', workload: 'data:statefulset/pg', repository: 'docker.io/library/postgres' }, 'group', groups), 'group:databases');
  assert.equal(groupKey({ file: 'platform/ingress/nginx.yaml', workload: 'ingress:deployment/nginx', repository: 'registry.k8s.io/ingress-nginx/controller' }, 'group', groups), 'group:platform');
  assert.equal(groupKey({ file: 'apps/other.yaml', workload: 'shop:deployment/search', repository: 'ghcr.io/acme/search' }, 'group', groups), 'workload:shop:deployment/search');
});
