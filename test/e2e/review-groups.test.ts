import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { createBareRepo, git, humanCommit, protectOnly } from '../harness/git-repos.ts';
import { automated } from '../harness/manifests.ts';
import { writeConfig } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';
import { startGitHubDouble } from '../hosting/doubles/github.ts';
import { startGitLabDouble } from '../hosting/doubles/gitlab.ts';
import { startGiteaDouble } from '../hosting/doubles/gitea.ts';
import type { StrictDouble } from '../hosting/doubles/strict-server.ts';
import type { PullStore, StoredPull } from '../hosting/doubles/pr-store.ts';
import { CLOSED_MARK } from '../../src/hosting/index.ts';

const TOKEN = 'review-groups-token-2718';
type Double = StrictDouble & { store: PullStore };

const HOSTS: { name: string; start(): Promise<Double>; review(url: string): string }[] = [
  { name: 'GitHub', start: () => startGitHubDouble({ owner: 'acme', repo: 'fleet', token: TOKEN }), review: (url) => `  host: github\n  url: ${url}\n  repository: acme/fleet\n` },
  { name: 'GitLab', start: () => startGitLabDouble({ project: 'acme/fleet', token: TOKEN, users: { alice: 5 } }), review: (url) => `  host: gitlab\n  url: ${url}\n  repository: acme/fleet\n` },
  { name: 'Gitea/Forgejo', start: () => startGiteaDouble({ owner: 'acme', repo: 'fleet', token: TOKEN, labels: { dependencies: 1 } }), review: (url) => `  host: gitea\n  url: ${url}\n  repository: acme/fleet\n` },
];

const WEB = 'tagpilot/main/default-deployment-web';
const API = 'tagpilot/main/default-deployment-api';

/** A person deletes files on a branch of the bare repo (clone, git rm, push). */
function humanRemove(bare: string, paths: readonly string[], message: string): void {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-human-'));
  try {
    git(work, 'clone', '-q', '--branch', 'main', bare, '.');
    git(work, 'rm', '-q', ...paths);
    git(work, 'commit', '-q', '-m', message);
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

for (const host of HOSTS) {
  describe(`one review branch per workload on ${host.name} (strict API double) against the real Git server`, () => {
    let stack: Stack;
    let double: Double;
    let bare: string;
    let config: string;
    /** Every repository of this suite: the double asks them whether a pull request's branch exists. */
    const gitRepos: string[] = [];
    const env = { LOG_LEVEL: 'warn', REVIEW_TOKEN: TOKEN };
    const run = (cfg = config, ...flags: string[]) => runCli(['run', '--once', '--config', cfg, ...flags], { env });
    const repos: Record<string, { repository: string; tags: string[] }> = {};
    const image = (name: string, tag: string) => `${stack.registry.host}/${repos[name]!.repository}:${tag}`;
    const addTag = async (name: string, tag: string) => {
      const r = repos[name]!;
      r.tags.push(tag);
      await seedTags(stack.registry.url, r.repository, versionTags(r.tags));
    };
    const branchHead = (branch: string, repo = bare) => git(repo, 'rev-parse', `refs/heads/${branch}`).trim();
    const openOf = (head: string): StoredPull[] => double.store.allOpen().filter((p) => p.head === head);
    const openHeads = (): string[] =>
      double.store
        .allOpen()
        .map((p) => p.head)
        .sort();
    const reviewYaml = (extra = '') => `review:\n${host.review(double.url)}  token: { env: REVIEW_TOKEN }\n  labels: [dependencies]\n  branchPer: workload\n${extra}`;
    const suffix = host.name.toLowerCase().replace(/\W/g, '');

    before(async () => {
      [stack, double] = await Promise.all([startStack(), host.start()]);
      for (const name of ['web', 'api', 'extra']) {
        repos[name] = { repository: `groups/${name}-${suffix}`, tags: ['1.0.0'] };
        await seedTags(stack.registry.url, repos[name]!.repository, versionTags(repos[name]!.tags));
      }
      bare = createBareRepo(stack.server.root, 'fleet', { 'apps/web.yaml': automated('web', image('web', '1.0.0'), 'semver:^1'), 'apps/api.yaml': automated('api', image('api', '1.0.0'), 'semver:^1') });
      protectOnly(bare, 'main');
      gitRepos.push(bare);
      double.store.branchExists = (b) => gitRepos.some((repo) => git(repo, 'branch', '--list', b).trim() !== '');
      config = stack.config('fleet', reviewYaml());
    });
    after(async () => {
      assert.deepEqual(double.refused, [], 'every request is one the API describes');
      await Promise.all([stack.stop(), double.stop()]);
    });

    test('two workloads with new tags: two branches and two pull requests, each with only its own change; three cycles open no duplicate; main is untouched', async () => {
      const main = branchHead('main');
      await Promise.all([addTag('web', '1.1.0'), addTag('api', '1.1.0')]);
      for (const [web, api] of [
        ['1.2.0', undefined],
        [undefined, '1.2.0'],
        [undefined, undefined],
      ] as const) {
        const result = await run();
        assert.equal(result.code, 0, result.err);
        if (web !== undefined) await addTag('web', web);
        if (api !== undefined) await addTag('api', api);
      }
      assert.equal(branchHead('main'), main, 'the target branch is never written');
      assert.deepEqual(openHeads(), [API, WEB]);
      const [web, api] = [openOf(WEB)[0]!, openOf(API)[0]!];
      assert.match(web.title, /web 1\.0\.0 → 1\.2\.0/);
      assert.match(api.title, /api 1\.0\.0 → 1\.2\.0/);
      assert.doesNotMatch(web.body, /api/, "the web pull request carries only web's change");
      assert.equal(double.store.pulls.length, 2, 'each branch got one pull request in three cycles');
      for (const [branch, own, other] of [
        [WEB, 'web', 'api'],
        [API, 'api', 'web'],
      ] as const) {
        assert.equal(git(bare, 'rev-parse', `${branch}~1`).trim(), main, `${branch} is one commit on main's head`);
        assert.match(git(bare, 'show', `${branch}:apps/${own}.yaml`), /:1\.2\.0/);
        assert.match(git(bare, 'show', `${branch}:apps/${other}.yaml`), /:1\.0\.0/, `${branch} leaves ${other} as main has it`);
      }
    });

    test('two replicas at once, with a new tag for each workload: no duplicate pull request, each branch holds its latest change', async () => {
      await Promise.all([addTag('web', '1.2.5'), addTag('api', '1.2.5')]);
      const replica = writeConfig(mkdtempSync(join(stack.work, 'replica-')), readFileSync(config, 'utf8').replace(/^cacheDir: .*$/m, `cacheDir: ${join(stack.work, 'replica-cache')}`));
      const both = await Promise.all([run(replica), run()]);
      for (const r of both) assert.equal(r.code, 0, r.err);
      assert.equal(double.store.pulls.length, 2);
      assert.deepEqual(openHeads(), [API, WEB]);
      for (const [branch, own] of [
        [WEB, 'web'],
        [API, 'api'],
      ] as const) {
        assert.match(git(bare, 'show', `${branch}:apps/${own}.yaml`), /:1\.2\.5/);
        assert.match(openOf(branch)[0]!.title, /1\.0\.0 → 1\.2\.5/);
      }
    });

    test('a human commit on one branch stops only that branch, is reported with its name, and the other branch still updates', async () => {
      const human = humanCommit(bare, { 'NOTES.md': 'reviewed by hand\n' }, 'reviewer fix-up', WEB);
      await Promise.all([addTag('web', '1.3.0'), addTag('api', '1.3.0')]);
      const result = await run(config, '--strict');
      assert.equal(result.code, 1, 'a problem, so --strict fails the cycle');
      assert.match(result.err, new RegExp(`${WEB}: its head [0-9a-f]{12} was committed by dev@example\\.com, not tagpilot`));
      assert.equal(branchHead(WEB), human, 'the human commit is never overwritten');
      assert.match(git(bare, 'show', `${API}:apps/api.yaml`), /:1\.3\.0/);
      assert.match(openOf(API)[0]!.title, /1\.0\.0 → 1\.3\.0/);
      assert.equal(openOf(WEB).length, 1, 'the taken branch keeps its pull request open');
    });

    test('a pull request closed unmerged rejects only its own tags: it is not reopened, the other branch goes on, a newer tag flows', async () => {
      git(bare, 'update-ref', `refs/heads/${WEB}`, `refs/heads/${WEB}~1`); // the reviewer gives the branch back
      double.store.closeByHuman(openOf(API)[0]!.number);
      assert.equal((await run()).code, 0);
      assert.equal(openOf(API).length, 0, 'api 1.3.0 is not proposed again');
      assert.match(openOf(WEB)[0]!.title, /web 1\.0\.0 → 1\.3\.0/, "web's own 1.3.0 is not rejected by api's close");
      await addTag('api', '1.4.0');
      assert.equal((await run()).code, 0);
      assert.match(openOf(API)[0]!.title, /api 1\.0\.0 → 1\.4\.0/);
    });

    test('a workload that goes away has its pull request closed with a comment; that close rejects nothing; the other stays open', async () => {
      const [api] = openOf(API);
      humanRemove(bare, ['apps/api.yaml'], 'api is retired');
      assert.equal((await run()).code, 0);
      const closed = double.store.get(api!.number)!;
      assert.equal(closed.state, 'closed');
      assert.match(closed.comments.at(-1)!, /nothing is pending/);
      assert.ok(closed.body.includes(CLOSED_MARK));
      assert.deepEqual(
        double.store.allOpen().map((p) => p.head),
        [WEB],
      );
    });

    test('a group takes the changes of every workload it matches onto one branch and one pull request', async () => {
      const grouped = createBareRepo(stack.server.root, 'grouped', { 'apps/web.yaml': automated('web', image('web', '1.0.0'), 'semver:^1'), 'apps/api.yaml': automated('api', image('api', '1.0.0'), 'semver:^1') });
      protectOnly(grouped, 'main');
      gitRepos.push(grouped);
      const before = double.store.pulls.length;
      const groups = '  branchPer: group\n  groups:\n    - { name: apps, workloads: ["default:deployment/*"] }\n';
      assert.equal((await run(stack.config('grouped', reviewYaml(groups).replace('  branchPer: workload\n', '')))).code, 0);
      assert.equal(git(grouped, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/tagpilot/').trim(), 'tagpilot/main/apps');
      const opened = double.store.pulls.slice(before);
      assert.deepEqual(
        opened.map((p) => p.head),
        ['tagpilot/main/apps'],
      );
      assert.match(opened[0]!.title, /update 2 images in 2 workloads/);
      for (const name of ['web', 'api']) assert.doesNotMatch(git(grouped, 'show', `tagpilot/main/apps:apps/${name}.yaml`), /:1\.0\.0/);
    });

    test('a per-target branch left from before (tagpilot/main) refuses the group branches under it: a problem per branch, naming the ref, and no crash', async () => {
      const old = createBareRepo(stack.server.root, 'switched', { 'apps/web.yaml': automated('web', image('web', '1.0.0'), 'semver:^1') });
      protectOnly(old, 'main');
      git(old, 'branch', 'tagpilot/main', 'main');
      const result = await run(stack.config('switched', reviewYaml()), '--strict');
      assert.equal(result.code, 1, result.err);
      assert.match(result.err, /tagpilot\/main\/default-deployment-web: .*'refs\/heads\/tagpilot\/main' exists/);
      assert.equal(git(old, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/tagpilot/').trim(), 'tagpilot/main');
    });

    test('a workload whose name collides with a group after sanitising gets a branch of its own; past maxBranches the rest wait, each a problem naming its branch', async () => {
      const collide = createBareRepo(stack.server.root, 'collide', {
        'apps/web.yaml': automated('web', image('web', '1.0.0'), 'semver:^1'),
        'apps/extra.yaml': automated('extra', image('extra', '1.0.0'), 'semver:^1'),
      });
      protectOnly(collide, 'main');
      gitRepos.push(collide);
      await addTag('extra', '1.1.0');
      const groups = '  branchPer: group\n  groups:\n    - { name: default-deployment-web, files: ["apps/extra.yaml"] }\n';
      const cfg = stack.config('collide', reviewYaml(groups).replace('  branchPer: workload\n', ''));
      const before = double.store.pulls.length;
      assert.equal((await run(cfg)).code, 0);
      const heads = git(collide, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/tagpilot/').trim().split('\n').sort();
      assert.equal(heads.length, 2);
      for (const h of heads) assert.match(h, /^tagpilot\/main\/default-deployment-web-[0-9a-f]{8}$/);
      const opened = double.store.pulls.slice(before);
      assert.deepEqual(opened.map((p) => p.head).sort(), heads);
      assert.match(opened.find((p) => /extra/.test(p.title))!.body, /extra/);

      const limited = stack.config('collide', reviewYaml(`${groups}  maxBranches: 1\n`).replace('  branchPer: workload\n', ''));
      await addTag('extra', '1.2.0');
      await addTag('web', '1.4.0');
      const result = await run(limited, '--strict');
      assert.equal(result.code, 1);
      const webBranch = opened.find((p) => /web/.test(p.title))!.head;
      assert.match(result.err, new RegExp(`${webBranch}: 1 change of default:deployment/web waits for a later cycle: this automation keeps at most 1 review branch`));
      assert.match(git(collide, 'show', `${opened.find((p) => /extra/.test(p.title))!.head}:apps/extra.yaml`), /:1\.2\.0/, 'the branch within the bound is updated');
      assert.match(git(collide, 'show', `${webBranch}:apps/web.yaml`), /:1\.3\.0/, 'the branch past the bound waits');
      assert.equal(openOf(webBranch).length, 1, 'and its pull request stays open: its change is pending');
      assert.equal(double.store.pulls.length, before + 2, 'no pull request is opened past the bound');
    });
  });
}
