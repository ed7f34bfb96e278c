import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type Stack } from '../harness/stack.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBareRepo, git, humanCommit, protectOnly } from '../harness/git-repos.ts';
import { writeConfig } from '../harness/fleet.ts';
import { automated } from '../harness/manifests.ts';
import { runCli } from '../harness/cli.ts';
import { startGitHubDouble } from '../hosting/doubles/github.ts';
import { startGitLabDouble } from '../hosting/doubles/gitlab.ts';
import { startGiteaDouble } from '../hosting/doubles/gitea.ts';
import type { StrictDouble } from '../hosting/doubles/strict-server.ts';
import type { PullStore } from '../hosting/doubles/pr-store.ts';
import { CLOSED_MARK } from '../../src/hosting/index.ts';

const TOKEN = 'review-token-1618';
type Double = StrictDouble & { store: PullStore };

const HOSTS: { name: string; start(): Promise<Double>; review(url: string): string }[] = [
  { name: 'GitHub', start: () => startGitHubDouble({ owner: 'acme', repo: 'fleet', token: TOKEN }), review: (url) => `  host: github\n  url: ${url}\n  repository: acme/fleet\n` },
  { name: 'GitLab', start: () => startGitLabDouble({ project: 'acme/fleet', token: TOKEN, users: { alice: 5 } }), review: (url) => `  host: gitlab\n  url: ${url}\n  repository: acme/fleet\n` },
  { name: 'Gitea/Forgejo', start: () => startGiteaDouble({ owner: 'acme', repo: 'fleet', token: TOKEN, labels: { dependencies: 1 } }), review: (url) => `  host: gitea\n  url: ${url}\n  repository: acme/fleet\n` },
];

for (const host of HOSTS) {
  describe(`pull-request mode on ${host.name} (strict API double) against the real Git server`, () => {
    let stack: Stack;
    let double: Double;
    let bare: string;
    let config: string;
    let repository = '';
    const env = { LOG_LEVEL: 'warn', REVIEW_TOKEN: TOKEN };
    const run = (cfg = config, ...flags: string[]) => runCli(['run', '--once', '--config', cfg, ...flags], { env });
    const tags = ['1.0.0', '1.1.0'];
    const addTag = async (tag: string) => {
      tags.push(tag);
      await seedTags(stack.registry.url, repository, versionTags(tags));
    };
    const branchHead = (branch: string) => git(bare, 'rev-parse', `refs/heads/${branch}`).trim();
    const reviewYaml = () => `review:\n${host.review(double.url)}  token: { env: REVIEW_TOKEN }\n  labels: [dependencies]\n  reviewers: [alice]\n`;

    before(async () => {
      [stack, double] = await Promise.all([startStack(), host.start()]);
      repository = `team/web-${host.name.toLowerCase().replace(/\W/g, '')}`;
      await seedTags(stack.registry.url, repository, versionTags(tags));
      bare = createBareRepo(stack.server.root, 'fleet', { 'apps/web.yaml': automated('web', `${stack.registry.host}/${repository}:1.0.0`, 'semver:^1') });
      protectOnly(bare, 'main');
      double.store.branchExists = (b) => git(bare, 'branch', '--list', b).trim() !== '';
      config = stack.config('fleet', reviewYaml());
    });
    after(async () => {
      assert.deepEqual(double.refused, [], 'every request is one the API describes');
      await Promise.all([stack.stop(), double.stop()]);
    });

    test('three cycles with new tags in between leave exactly one open pull request, with the latest change; main is untouched', async () => {
      const main = branchHead('main');
      for (const tag of ['1.2.0', '1.3.0', undefined]) {
        const result = await run();
        assert.equal(result.code, 0, result.err);
        if (tag !== undefined) await addTag(tag);
      }
      assert.equal(branchHead('main'), main, 'the target branch is never written');
      const open = double.store.allOpen();
      assert.equal(open.length, 1);
      assert.equal(open[0]!.head, 'tagpilot/main');
      assert.match(open[0]!.title, /1\.0\.0 → 1\.3\.0/);
      assert.match(open[0]!.body, /\(semver:\^1\)/, 'the change list says the policy of each change');
      assert.match(open[0]!.body, /^Tagpilot-Update: .* 1\.0\.0 1\.3\.0 semver:\^1$/m);
      assert.deepEqual(open[0]!.labels, ['dependencies']);
      // The review branch holds one commit on top of main's head, with the latest change.
      assert.equal(git(bare, 'rev-parse', 'tagpilot/main~1').trim(), main);
      assert.match(git(bare, 'show', 'tagpilot/main:apps/web.yaml'), /:1\.3\.0/);
    });

    test('a restart (new process state, same Git) and a second replica open no duplicate and push nothing new', async () => {
      const head = branchHead('tagpilot/main');
      const pulls = double.store.pulls.length;
      assert.equal((await run()).code, 0);
      // Its own config file and its own cache: a second process on the same Git.
      const replica = writeConfig(mkdtempSync(join(stack.work, 'replica-')), readFileSync(config, 'utf8').replace(/^cacheDir: .*$/m, `cacheDir: ${join(stack.work, 'replica-cache')}`));
      const both = await Promise.all([run(replica), run()]);
      for (const r of both) assert.equal(r.code, 0, r.err);
      assert.equal(double.store.pulls.length, pulls);
      assert.equal(double.store.allOpen().length, 1);
      assert.equal(branchHead('tagpilot/main'), head);
    });

    test('a person closing the pull request unmerged rejects its tag: nothing is reopened, a newer tag still flows', async () => {
      const [pr] = double.store.allOpen();
      double.store.closeByHuman(pr!.number);
      assert.equal((await run()).code, 0);
      assert.equal(double.store.allOpen().length, 0, '1.3.0 is not proposed again');
      await addTag('1.4.0');
      assert.equal((await run()).code, 0);
      const open = double.store.allOpen();
      assert.equal(open.length, 1);
      assert.match(open[0]!.title, /1\.0\.0 → 1\.4\.0/);
    });

    test('a human commit on the review branch is never overwritten, and is reported with its code', async () => {
      const human = humanCommit(bare, { 'NOTES.md': 'reviewed by hand\n' }, 'reviewer fix-up', 'tagpilot/main');
      await addTag('1.5.0');
      const result = await run(config, '--strict');
      assert.equal(result.code, 1, 'a problem, so --strict fails the cycle');
      assert.match(result.err, /tagpilot\/main: its head [0-9a-f]{12} was committed by dev@example\.com, not tagpilot/);
      assert.equal(branchHead('tagpilot/main'), human);
    });

    test('when nothing is pending any more the pull request is closed with a comment, and that close rejects nothing', async () => {
      // The reviewer takes the branch back to tagpilot's commit; then main gets the change by hand.
      git(bare, 'update-ref', 'refs/heads/tagpilot/main', 'refs/heads/tagpilot/main~1');
      humanCommit(bare, { 'apps/web.yaml': automated('web', `${stack.registry.host}/${repository}:1.5.0`, 'semver:^1') }, 'release 1.5.0 by hand');
      const [pr] = double.store.allOpen();
      assert.equal((await run()).code, 0);
      assert.equal(double.store.allOpen().length, 0);
      const closed = double.store.get(pr!.number)!;
      assert.match(closed.comments.at(-1)!, /nothing is pending/);
      assert.ok(closed.body.includes(CLOSED_MARK));
    });
  });
}
