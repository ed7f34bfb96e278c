import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Receiver, RepositoryPush, WebhookSink } from '../../../src/server/index.ts';
import { until } from '../../harness/wait.ts';
import { post, serve, sign, withServed, SECRET, TOKEN } from './helpers.ts';

const registry: Receiver = { name: 'registry', kind: 'generic', token: TOKEN, maxBodyBytes: 4096 };
const github: Receiver = { name: 'github', kind: 'github', secret: SECRET, maxBodyBytes: 4096 };
const dockerhub: Receiver = { name: 'dockerhub', kind: 'dockerhub', token: TOKEN };
const bearer = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const generic = (repository: string) => JSON.stringify({ repository });
/** A body sent 1 KiB at a time, 5 ms apart, up to `kib`: only an answer given early ends its request early. */
function drip(kib: number) {
  const state = { sent: 0 };
  const body = async (write: (chunk: Buffer) => boolean) => {
    for (; state.sent < kib; state.sent++) {
      write(Buffer.alloc(1024, 0x20));
      await sleep(5);
    }
  };
  return { body, state };
}

const pushBody = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'https://github.com/o/fleet.git' } });

describe('the webhook handler over HTTP', () => {
  test('a bad signature gets 401 and tells the sink nothing', async () => {
    await withServed({ receivers: [github] }, async (s) => {
      const answer = await post(s.url, '/webhooks/github', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(pushBody, 'another-secret-of-sixteen')}` }, pushBody);
      assert.equal(answer.status, 401);
      assert.deepEqual(JSON.parse(answer.body), { error: 'webhook-unauthorized' });
      await sleep(50);
      assert.deepEqual(s.sink.git, []);
      const good = await post(s.url, '/webhooks/github', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${sign(pushBody)}` }, pushBody);
      assert.equal(good.status, 202, 'the same request, rightly signed, is accepted');
    });
  });

  test('a wrong token gets 401 before the body is read', async () => {
    await withServed({ receivers: [registry] }, async (s) => {
      const { body, state } = drip(200);
      const answer = await post(s.url, '/webhooks/registry', { Authorization: 'Bearer guess', 'Transfer-Encoding': 'chunked' }, body);
      assert.equal(answer.status, 401);
      assert.ok(state.sent < 200, `answered after ${state.sent} KiB, before the body was done`);
    });
  });

  test('a declared body over maxBodyBytes gets 413 before it is read', async () => {
    await withServed({ receivers: [registry] }, async (s) => {
      const { body, state } = drip(200);
      const answer = await post(s.url, '/webhooks/registry', { ...bearer, 'Content-Length': String(200 * 1024) }, body);
      assert.equal(answer.status, 413);
      assert.ok(state.sent < 200, `answered after ${state.sent} KiB of 200`);
      assert.deepEqual(JSON.parse(answer.body), { error: 'webhook-body-too-large' });
      assert.equal(answer.headers.connection, 'close');
    });
  });

  test('a streamed body that grows past maxBodyBytes gets 413 when it does', async () => {
    await withServed({ receivers: [github] }, async (s) => {
      const { body, state } = drip(100);
      const answer = await post(s.url, '/webhooks/github', { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${'0'.repeat(64)}`, 'Transfer-Encoding': 'chunked' }, body);
      assert.equal(answer.status, 413);
      assert.ok(state.sent < 100, `answered after ${state.sent} KiB of a 4 KiB bound`);
      assert.deepEqual(s.sink.git, []);
    });
  });

  test('a body that does not arrive in time gets 408', async () => {
    await withServed({ receivers: [registry], bodyTimeoutMs: 100 }, async (s) => {
      const answer = await post(s.url, '/webhooks/registry', { ...bearer, 'Content-Length': '100' }, async (write) => {
        write(Buffer.from('{"repos'));
        await sleep(1_000);
      });
      assert.equal(answer.status, 408);
    });
  });

  test('the answer is the same for a known repository, an unknown one and an event with no push', async () => {
    const known = new Set(['registry.example.com/team/app']);
    const told: RepositoryPush[] = [];
    // A sink that knows some repositories and acts only on those: nothing of that reaches the sender.
    const sink: WebhookSink = {
      repositoryPushed: (push) => {
        if (!known.has(`${push.host}/${push.repository}`)) throw new Error('unknown repository');
        told.push(push);
      },
      gitPushed: () => {},
    };
    await withServed({ receivers: [registry, dockerhub], sink }, async (s) => {
      const answers = [
        await post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/app')),
        await post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/secret-project')),
        await post(s.url, '/webhooks/registry', bearer, generic('Not A Reference')),
        await post(s.url, `/webhooks/dockerhub/${TOKEN}`, {}, JSON.stringify({ repository: { repo_name: 'examplecorp/web' } })),
      ];
      const shape = ({ status, body, headers }: (typeof answers)[number]) => ({ status, body, type: headers['content-type'], length: headers['content-length'] });
      for (const answer of answers) assert.deepEqual(shape(answer), shape(answers[0]!));
      assert.equal(answers[0]!.status, 202);
      await until(() => told.length === 1 && s.failures.length === 2, 2_000, 'the sink was told');
      assert.deepEqual(told, [{ host: 'registry.example.com', repository: 'team/app' }]);
    });
  });

  test('the sender has its answer before the sink is told', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const sink: WebhookSink = {
      repositoryPushed: async () => {
        order.push('sink');
        await gate;
      },
      gitPushed: () => {},
    };
    const s = await serve({ receivers: [registry], sink });
    try {
      const answer = await post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/app'));
      order.push(`answered ${answer.status}`);
      await until(() => order.length === 2);
      assert.deepEqual(order, ['answered 202', 'sink']);
    } finally {
      release();
      await s.stop();
    }
  });

  test('a burst for one repository makes one call; another repository its own', async () => {
    await withServed({ receivers: [registry], coalesceMs: 200 }, async (s) => {
      await Promise.all(Array.from({ length: 20 }, () => post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/app:1.0'))));
      await post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/worker'));
      await until(() => s.sink.repositories.length === 2, 2_000);
      await sleep(300);
      assert.deepEqual(
        s.sink.repositories.map((p) => p.repository),
        ['team/app', 'team/worker'],
      );
      await post(s.url, '/webhooks/registry', bearer, generic('registry.example.com/team/app'));
      await until(() => s.sink.repositories.length === 3, 2_000, 'a push after the window is a new call');
    });
  });

  test('beyond maxPending a new repository is dropped and reported, the sender still gets 202', async () => {
    await withServed({ receivers: [registry], coalesceMs: 200, maxPending: 2 }, async (s) => {
      const statuses = [];
      for (const name of ['a', 'b', 'c']) statuses.push((await post(s.url, '/webhooks/registry', bearer, generic(`registry.example.com/team/${name}`))).status);
      assert.deepEqual(statuses, [202, 202, 202]);
      await until(() => s.sink.repositories.length === 2, 2_000);
      assert.deepEqual(
        s.failures.map((f) => f.code),
        ['webhook-backlog-full'],
      );
    });
  });

  test('paths: another prefix is left to the server, an unknown receiver is 404, a GET is 405', async () => {
    await withServed({ receivers: [registry, dockerhub], prefix: '/hooks' }, async (s) => {
      assert.equal((await post(s.url, '/webhooks/registry', bearer, '{}')).status, 418, 'not ours: the server answers');
      assert.equal((await post(s.url, '/hooks', bearer, '{}')).status, 418);
      assert.equal((await post(s.url, '/hooks/nobody', bearer, '{}')).status, 404);
      assert.equal((await post(s.url, `/hooks/registry/${TOKEN}`, {}, '{}')).status, 404, 'a token in the path only for Docker Hub and Quay');
      const get = await post(s.url, '/hooks/registry', bearer, '', 'GET');
      assert.equal(get.status, 405);
      assert.equal(get.headers.allow, 'POST');
      assert.equal((await post(s.url, '/hooks/registry?source=ci', bearer, generic('nginx'))).status, 202, 'a query string is ignored');
      assert.equal((await post(s.url, '/hooks/dockerhub/wrong-token', {}, '{}')).status, 401);
    });
  });

  test('a receiver without a secret is refused when the handler is made', async () => {
    await assert.rejects(serve({ receivers: [{ name: 'open', kind: 'distribution' }] }), (e: Error & { code?: string }) => e.code === 'config-invalid' && /without a secret is refused/.test(e.message));
  });
});
