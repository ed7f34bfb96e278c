import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Receiver } from '../../../src/server/index.ts';
import { until } from '../../harness/wait.ts';
import { docExamples, post, serve, SECRET, TOKEN, type Served } from './helpers.ts';

/** Each example of docs/webhooks.md, the receiver it is posted to, and the one hint it must give. */
const CASES: { example: string; receiver: Receiver; hint: { host: string; repository: string } | { urls: string[]; branch: string } }[] = [
  { example: 'distribution', receiver: { name: 'registry', kind: 'distribution', token: TOKEN }, hint: { host: 'registry.example.com:5000', repository: 'team/app' } },
  { example: 'gitlab-registry', receiver: { name: 'gitlab-registry', kind: 'gitlab-registry', token: TOKEN }, hint: { host: 'registry.gitlab.example.com', repository: 'platform/shop/api' } },
  { example: 'harbor', receiver: { name: 'harbor', kind: 'harbor', token: TOKEN }, hint: { host: 'harbor.example.com', repository: 'shop/web' } },
  { example: 'dockerhub', receiver: { name: 'dockerhub', kind: 'dockerhub', token: TOKEN }, hint: { host: 'docker.io', repository: 'examplecorp/web' } },
  { example: 'quay', receiver: { name: 'quay', kind: 'quay', token: TOKEN }, hint: { host: 'quay.io', repository: 'examplecorp/web' } },
  { example: 'github-packages', receiver: { name: 'github-packages', kind: 'github-packages', secret: SECRET }, hint: { host: 'ghcr.io', repository: 'examplecorp/web' } },
  { example: 'generic', receiver: { name: 'ci', kind: 'generic', token: TOKEN }, hint: { host: 'registry.example.com', repository: 'team/app' } },
  {
    example: 'github',
    receiver: { name: 'github', kind: 'github', secret: SECRET },
    hint: { urls: ['https://github.com/ExampleCorp/fleet.git', 'git@github.com:ExampleCorp/fleet.git', 'git://github.com/ExampleCorp/fleet.git', 'https://github.com/ExampleCorp/fleet'], branch: 'main' },
  },
  { example: 'gitlab', receiver: { name: 'gitlab', kind: 'gitlab', token: TOKEN }, hint: { urls: ['https://gitlab.example.com/platform/fleet.git', 'git@gitlab.example.com:platform/fleet.git', 'https://gitlab.example.com/platform/fleet'], branch: 'main' } },
  { example: 'gitea', receiver: { name: 'gitea', kind: 'gitea', secret: SECRET }, hint: { urls: ['https://git.example.com/platform/fleet.git', 'ssh://git@git.example.com:2222/platform/fleet.git', 'https://git.example.com/platform/fleet'], branch: 'main' } },
];

describe('docs/webhooks.md examples, posted as their senders post them', () => {
  const examples = docExamples();
  let served: Served;
  before(async () => {
    served = await serve({ receivers: CASES.map((c) => c.receiver) });
  });
  after(() => served.stop());

  test('the doc shows one example per case, and every case has one', () => {
    assert.deepEqual([...examples.keys()].sort(), CASES.map((c) => c.example).sort());
  });

  for (const { example, hint } of CASES) {
    test(`${example}: 202, then exactly its hint`, async () => {
      const { path, headers, body } = examples.get(example)!;
      served.sink.repositories.length = 0;
      served.sink.git.length = 0;
      const answer = await post(served.url, path, headers, body);
      assert.equal(answer.status, 202, answer.body);
      assert.deepEqual(JSON.parse(answer.body), { status: 'accepted' });
      await until(() => served.sink.repositories.length + served.sink.git.length > 0, 2_000, `${example} hint`);
      const told = 'host' in hint ? served.sink.repositories : served.sink.git;
      assert.deepEqual(told, [hint]);
    });
  }

  test('the signed examples are refused by a receiver with another secret: their signatures are checked, not trusted', async () => {
    const other = await serve({ receivers: CASES.filter((c) => c.receiver.secret !== undefined).map((c) => ({ ...c.receiver, secret: `${SECRET}-other` })) });
    try {
      for (const name of ['github-packages', 'github', 'gitea']) {
        const { path, headers, body } = examples.get(name)!;
        assert.equal((await post(other.url, path, headers, body)).status, 401, name);
      }
      assert.deepEqual([other.sink.repositories, other.sink.git], [[], []]);
    } finally {
      await other.stop();
    }
  });
});
