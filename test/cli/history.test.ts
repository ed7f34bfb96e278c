import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../src/cli/io.ts';
import { commitMessage } from '../../src/automation/message.ts';
import { buildHistory } from '../../src/automation/history.ts';
import type { Change } from '../../src/automation/types.ts';
import { createBareRepo, git, writeFiles } from '../harness/git-repos.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { writeConfig } from '../harness/fleet.ts';
import { runCli } from '../harness/cli.ts';

function run(args: string[], cwd = process.cwd()) {
  return runCli(['history', ...args], { cwd });
}

const change = (workload: string, container: string, from: string, to: string): Change => ({ file: 'apps/x.yaml', line: 3, kind: 'container', workload, container, repository: 'registry.example.com/team/web', from, to, policy: 'semver:^1.0.0' });

describe('tagpilot history', () => {
  let dir: string;
  const oids: Record<string, string> = {};

  /** Commits with the given message at a fixed date, as someone or the bot would. */
  function commit(name: string, message: string, date: string, author = 'Dev <dev@example.com>'): void {
    writeFiles(dir, { [`${name}.txt`]: name });
    git(dir, 'add', '-A');
    process.env.GIT_COMMITTER_DATE = date;
    try {
      git(dir, 'commit', '-q', '--author', author, '--date', date, '-m', message);
    } finally {
      delete process.env.GIT_COMMITTER_DATE;
    }
    oids[name] = git(dir, 'rev-parse', 'HEAD').trim();
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tagpilot-history-'));
    git(dir, 'init', '-q', '--initial-branch=main');
    commit('initial', 'Initial manifests', '2024-01-01T00:00:00Z');
    commit('bot1', commitMessage([change('shop:deployment/web', 'web', '1.0.0', '1.1.0')]), '2024-02-01T10:00:00Z', 'tagpilot <bot@example.com>');
    commit('human', 'Tune replicas', '2024-02-02T00:00:00Z');
    commit('bot2', commitMessage([change('shop:deployment/web', 'web', '1.1.0', '1.2.0'), change('jobs:cronjob/report', 'report', '2.0.0', '2.1.0')]), '2024-03-01T10:00:00Z', 'tagpilot <bot@example.com>');
    process.env.GIT_COMMITTER_DATE = '2024-03-02T00:00:00Z';
    git(dir, 'revert', '--no-edit', oids.bot2!);
    delete process.env.GIT_COMMITTER_DATE;
    oids.revert = git(dir, 'rev-parse', 'HEAD').trim();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('lists each change of each bot commit, newest first, and no human commit', async () => {
    const { code, out } = await run(['--repo', dir, '--json']);
    assert.equal(code, EXIT.ok);
    const entries = JSON.parse(out) as { commit: string; workload: string; from: string; to: string; policy: string }[];
    assert.deepEqual(
      entries.map((e) => `${e.commit === oids.bot2 ? 'bot2' : 'bot1'} ${e.workload} ${e.from}→${e.to} ${e.policy}`),
      ['bot2 shop:deployment/web 1.1.0→1.2.0 semver:^1.0.0', 'bot2 jobs:cronjob/report 2.0.0→2.1.0 semver:^1.0.0', 'bot1 shop:deployment/web 1.0.0→1.1.0 semver:^1.0.0'],
    );
  });

  test('a git revert of a bot commit shows it as reverted', async () => {
    const { out } = await run(['--repo', dir]);
    const lines = out.trim().split('\n');
    assert.match(lines[0]!, /^WHEN\s+COMMIT\s+WORKLOAD\s+CONTAINER\s+CHANGE\s+POLICY\s+STATUS$/);
    assert.match(lines[1]!, new RegExp(`^2024-03-01 10:00\\s+${oids.bot2!.slice(0, 12)}\\s+shop:deployment/web\\s+web\\s+registry\\.example\\.com/team/web 1\\.1\\.0 → 1\\.2\\.0\\s+semver:\\^1\\.0\\.0\\s+reverted by ${oids.revert!.slice(0, 12)}$`));
    assert.doesNotMatch(lines[3]!, /reverted/);
  });

  test('--workload keeps one workload', async () => {
    const entries = JSON.parse((await run(['--repo', dir, '--workload', 'jobs:cronjob/report', '--json'])).out) as { to: string }[];
    assert.deepEqual(
      entries.map((e) => e.to),
      ['2.1.0'],
    );
  });

  test('--since keeps commits from that date on', async () => {
    const entries = JSON.parse((await run(['--repo', dir, '--since', '2024-02-15', '--json'])).out) as { commit: string }[];
    assert.ok(entries.length === 2 && entries.every((e) => e.commit === oids.bot2));
  });

  test('a relative --repo is read from the working directory', async () => {
    const { code, out } = await run(['--repo', '.', '--json'], dir);
    assert.equal(code, EXIT.ok);
    assert.equal((JSON.parse(out) as unknown[]).length, 3);
  });

  test('neither or both of --repo and --config is a usage error', async () => {
    for (const args of [[], ['--repo', dir, '--config', 'x.yaml']]) {
      const { code, err } = await run(args);
      assert.deepEqual([code, err], [EXIT.usage, 'tagpilot history: history needs one of --repo DIR or --config FILE\n']);
    }
  });

  test('a date that is not a date is a usage error', async () => {
    const { code, err } = await run(['--repo', dir, '--since', 'last tuesday']);
    assert.equal(code, EXIT.usage);
    assert.match(err, /not a date/);
  });

  describe('with --config', () => {
    let server: GitServer;
    let work: string;

    before(async () => {
      server = await startGitServer();
      const bare = createBareRepo(server.root, 'fleet', { 'README.md': '# fleet\n' });
      git(dir, 'push', '-q', bare, 'main:refs/heads/history');
      work = mkdtempSync(join(tmpdir(), 'tagpilot-history-cfg-'));
    });
    after(async () => {
      await server.stop();
      rmSync(work, { recursive: true, force: true });
    });

    test('reads the configured branch’s full history from the remote', async () => {
      const config = writeConfig(work, `git:\n  url: ${server.repoUrl('fleet')}\n  branch: history\ncacheDir: cache\n`);
      const { code, out } = await run(['--config', config, '--json']);
      assert.equal(code, EXIT.ok);
      const entries = JSON.parse(out) as { commit: string; revertedBy?: string }[];
      assert.deepEqual(
        entries.map((e) => [e.commit, e.revertedBy]),
        [
          [oids.bot2, oids.revert],
          [oids.bot2, oids.revert],
          [oids.bot1, undefined],
        ],
      );
    });
  });
});

describe('buildHistory', () => {
  const oid = (c: string) => c.repeat(40);
  const bot = { oid: oid('a'), message: commitMessage([change('ns:deployment/a', 'app', '1', '2')]), author: 'bot', time: 1 };
  const revert = { oid: oid('b'), message: `Revert "x"\n\nThis reverts commit ${oid('a')}.\n`, author: 'dev', time: 2 };
  const reapply = { oid: oid('c'), message: `Reapply "x"\n\nThis reverts commit ${oid('b')}.\n`, author: 'dev', time: 3 };

  test('reverting the revert makes the change stand again', () => {
    assert.equal(buildHistory([revert, bot])[0]!.revertedBy, oid('b'));
    assert.equal(buildHistory([reapply, revert, bot])[0]!.revertedBy, undefined);
  });
});
