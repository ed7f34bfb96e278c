import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { GiteaHost, GitLabHost, gitHubHost, HostingError, type ReviewHost } from '../../src/hosting/index.ts';
import { startGitHubDouble, type GitHubDouble } from './doubles/github.ts';
import { startGitLabDouble, type GitLabDouble } from './doubles/gitlab.ts';
import { startGiteaDouble, type GiteaDouble } from './doubles/gitea.ts';
import type { StrictDouble } from './doubles/strict-server.ts';
import type { PullStore } from './doubles/pr-store.ts';

const TOKEN = 'tok-3141592653';
const content = { title: 'tagpilot: web 1.0.0 → 1.1.0', body: 'one change', labels: ['tagpilot'], reviewers: ['alice'] };

interface HostCase {
  name: string;
  start(): Promise<StrictDouble & { store: PullStore }>;
  client(url: string, token?: string): Promise<ReviewHost>;
  /** Makes the next calls run out of rate limit, where the host has one. */
  exhaust?(double: StrictDouble): void;
  disableAutoMerge(double: StrictDouble): void;
}

const HOSTS: HostCase[] = [
  {
    name: 'GitHub',
    start: () => startGitHubDouble({ owner: 'acme', repo: 'fleet', token: TOKEN }),
    client: (url, token = TOKEN) => gitHubHost({ apiUrl: url, owner: 'acme', repo: 'fleet', auth: { token } }),
    exhaust: (d) => ((d as GitHubDouble).rateLimitRemaining = 0),
    disableAutoMerge: (d) => ((d as GitHubDouble).autoMergeAllowed = false),
  },
  {
    name: 'GitLab',
    start: () => startGitLabDouble({ project: 'acme/fleet', token: TOKEN, users: { alice: 7 } }),
    client: async (url, token = TOKEN) => new GitLabHost({ url, project: 'acme/fleet', token }),
    exhaust: (d) => ((d as GitLabDouble).rateLimitRemaining = 0),
    disableAutoMerge: (d) => ((d as GitLabDouble).pipelines = false),
  },
  {
    name: 'Gitea/Forgejo',
    start: () => startGiteaDouble({ owner: 'acme', repo: 'fleet', token: TOKEN, labels: { tagpilot: 3, other: 4 } }),
    client: async (url, token = TOKEN) => new GiteaHost({ url, owner: 'acme', repo: 'fleet', token }),
    disableAutoMerge: (d) => ((d as GiteaDouble).autoMergeAllowed = false),
  },
];

for (const host of HOSTS) {
  describe(`${host.name}: the review host contract, against a strict double of its REST API`, () => {
    let double: StrictDouble & { store: PullStore };
    let client: ReviewHost;
    let branch = 0;
    const next = () => `tagpilot/b${++branch}`;

    before(async () => {
      double = await host.start();
      client = await host.client(double.url);
    });
    after(async () => {
      assert.deepEqual(double.refused, [], 'every request is one the API describes');
      await double.stop();
    });

    test('no open pull request for a branch is undefined', async () => {
      assert.equal(await client.findOpen(next(), 'main'), undefined);
    });

    test('an opened pull request is found again, with its title, body, labels and reviewers', async () => {
      const head = next();
      const opened = await client.open(head, 'main', content);
      const found = await client.findOpen(head, 'main');
      assert.equal(found?.number, opened.number);
      assert.deepEqual({ title: found?.title, body: found?.body, labels: found?.labels, state: found?.state }, { title: content.title, body: content.body, labels: ['tagpilot'], state: 'open' });
      assert.deepEqual(double.store.get(opened.number)?.reviewers, ['alice']);
    });

    test('a second open for the same branch is refused by the host as a coded error', async () => {
      const head = next();
      await client.open(head, 'main', content);
      await assert.rejects(client.open(head, 'main', content), (error: unknown) => error instanceof HostingError && ['hosting-conflict', 'hosting-refused'].includes(error.code));
      assert.equal(double.store.open(head, 'main').length, 1);
    });

    test('update rewrites title, body and labels', async () => {
      const head = next();
      const pr = await client.open(head, 'main', content);
      const updated = await client.update(pr, { ...content, title: 'new title', body: 'new body', labels: ['other'] });
      assert.deepEqual({ title: updated.title, body: updated.body, labels: updated.labels }, { title: 'new title', body: 'new body', labels: ['other'] });
      assert.deepEqual(double.store.get(pr.number)?.labels, ['other']);
    });

    test('auto-merge is switched on where the repository allows it, and reported off where not', async () => {
      const pr = await client.open(next(), 'main', content);
      assert.deepEqual(await client.enableAutoMerge(pr, 'squash'), { enabled: true });
      assert.ok(double.store.get(pr.number)?.autoMerge !== undefined);
      host.disableAutoMerge(double);
      const other = await client.open(next(), 'main', content);
      const result = await client.enableAutoMerge(other, 'merge');
      assert.equal(result.enabled, false);
    });

    test('close leaves the comment, closes, and the pull request is not open any more', async () => {
      const head = next();
      const pr = await client.open(head, 'main', content);
      await client.close(pr, 'Nothing to update any more.', 'closed body');
      assert.equal(await client.findOpen(head, 'main'), undefined);
      assert.deepEqual(double.store.get(pr.number)?.comments, ['Nothing to update any more.']);
      assert.equal(double.store.get(pr.number)?.body, 'closed body');
    });

    test('closed unmerged pull requests are read back newest first; merged ones are not among them', async () => {
      const head = next();
      const first = await client.open(head, 'main', { ...content, title: 'first' });
      double.store.closeByHuman(first.number);
      const merged = await client.open(head, 'main', { ...content, title: 'merged' });
      double.store.mergeByHuman(merged.number);
      const second = await client.open(head, 'main', { ...content, title: 'second' });
      double.store.closeByHuman(second.number);
      const closed = await client.closedUnmerged(head, 'main');
      assert.deepEqual(
        closed.map((p) => p.title),
        ['second', 'first'],
      );
    });

    test('a pull request of another branch is never taken for ours, however many there are (pagination)', async () => {
      for (let i = 0; i < 120; i++) double.store.create({ head: `feature/${i}`, base: 'main', title: `f${i}`, body: '' });
      const head = next();
      const pr = await client.open(head, 'main', content);
      assert.equal((await client.findOpen(head, 'main'))?.number, pr.number);
    });

    test('listUnder: the open pull requests of branches under a prefix into the target, and apart the closed unmerged ones', async () => {
      const prefix = `tagpilot/list${branch}/`;
      const web = await client.open(`${prefix}web`, 'main', { ...content, title: 'web' });
      const api = await client.open(`${prefix}api`, 'main', { ...content, title: 'api' });
      const gone = await client.open(`${prefix}gone`, 'main', { ...content, title: 'gone' });
      double.store.closeByHuman(gone.number);
      const merged = await client.open(`${prefix}merged`, 'main', { ...content, title: 'merged' });
      double.store.mergeByHuman(merged.number);
      await client.open(`${prefix}other-base`, 'release', content);
      await client.open(`tagpilot/elsewhere`, 'main', content);
      const open = await client.listUnder(prefix, 'main', 'open');
      assert.deepEqual(
        open.map((p) => p.number),
        [api.number, web.number],
      );
      assert.deepEqual(
        (await client.listUnder(prefix, 'main', 'closed')).map((p) => p.title),
        ['gone'],
      );
    });

    test('a wrong token is hosting-unauthorized, and no error holds a token', async () => {
      const bad = await host.client(double.url, 'wrong-token-271828');
      await assert.rejects(bad.findOpen('x', 'main'), (error: unknown) => error instanceof HostingError && error.code === 'hosting-unauthorized' && !error.message.includes('271828') && !error.message.includes(TOKEN));
    });

    if (host.exhaust !== undefined) {
      test('a spent rate limit is hosting-rate-limited, with when it resets', async () => {
        host.exhaust!(double);
        await assert.rejects(client.findOpen('x', 'main'), (error: unknown) => error instanceof HostingError && error.code === 'hosting-rate-limited' && typeof error.data.resetAt === 'string');
      });
    }
  });
}

describe('GitHub App: an installation token from the App JWT flow (@octokit/auth-app)', () => {
  test('the client signs a JWT, exchanges it for an installation token and uses that token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const double = await startGitHubDouble({ owner: 'acme', repo: 'fleet', app: { id: 4242, installationId: 99, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    try {
      const client = await gitHubHost({ apiUrl: double.url, owner: 'acme', repo: 'fleet', auth: { appId: 4242, privateKey: pem, installationId: 99 } });
      await client.open('tagpilot/main', 'main', content);
      assert.equal(double.issuedTokens.length, 1);
      assert.deepEqual(double.calls.slice(0, 2), ['POST /app/installations/99/access_tokens', 'POST /repos/acme/fleet/pulls']);
      assert.deepEqual(double.refused, []);
    } finally {
      await double.stop();
    }
  });

  test('a JWT signed by another key is refused as hosting-unauthorized', async () => {
    const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const double = await startGitHubDouble({ owner: 'acme', repo: 'fleet', app: { id: 1, installationId: 2, publicKey: app.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    try {
      const client = await gitHubHost({ apiUrl: double.url, owner: 'acme', repo: 'fleet', auth: { appId: 1, privateKey: other.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), installationId: 2 } });
      await assert.rejects(client.findOpen('x', 'main'), (error: unknown) => error instanceof HostingError && error.code === 'hosting-unauthorized');
    } finally {
      await double.stop();
    }
  });
});
