/**
 * End to end against the real CNCF Distribution registry: its notifications, configured as
 * docs/webhooks.md says, reach the handler on 127.0.0.1, and a tag push becomes one
 * `repositoryPushed` of that repository; an endpoint with the wrong token gets 401 and tells nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedTags, versionTags } from '../../harness/images.ts';
import { startRegistry, type TestRegistry } from '../../harness/registry.ts';
import { until } from '../../harness/wait.ts';
import { serve, TOKEN, type Served } from './helpers.ts';

function notifications(url: string, endpoints: { name: string; authorization: string }[]): string {
  const lines = endpoints.map(({ name, authorization }) => `    - name: ${name}\n      url: ${url}/webhooks/registry\n      headers:\n        Authorization: [${authorization}]\n      timeout: 1s\n      threshold: 5\n      backoff: 1s\n      ignore:\n        actions: [pull]\n`);
  return `notifications:\n  endpoints:\n${lines.join('')}`;
}

describe('a real Distribution registry sends its notifications to the handler', () => {
  let served: Served;
  let registry: TestRegistry;

  before(async () => {
    served = await serve({ receivers: [{ name: 'registry', kind: 'distribution', token: TOKEN }], coalesceMs: 100 });
    registry = await startRegistry({
      extraConfig: notifications(served.url, [{ name: 'tagpilot', authorization: `Bearer ${TOKEN}` }]),
    });
  });

  after(async () => {
    await registry?.stop();
    await served?.stop();
  });

  test('a push of a tag calls repositoryPushed with that repository, once for the burst', async () => {
    await seedTags(registry.url, 'team/app', versionTags(['1.0.0']));
    await until(() => served.sink.repositories.length > 0, 10_000, 'repositoryPushed');
    // Blob and manifest events keep coming for a moment; they add no second call for the same push.
    await until(() => served.answers.filter((a) => a.status === 202).length >= 4, 10_000, 'the blob, manifest and tag events');
    await sleep(300);
    assert.deepEqual(served.sink.repositories, [{ host: registry.host, repository: 'team/app' }]);
    assert.deepEqual(served.failures, []);
  });

  test('a push to another repository is its own call', async () => {
    await seedTags(registry.url, 'team/worker', versionTags(['2.0.0']));
    await until(() => served.sink.repositories.length === 2, 10_000, 'the second repositoryPushed');
    assert.deepEqual(served.sink.repositories[1], { host: registry.host, repository: 'team/worker' });
  });
});

describe('a real Distribution registry whose endpoint has the wrong token', () => {
  let served: Served;
  let registry: TestRegistry;

  before(async () => {
    served = await serve({ receivers: [{ name: 'registry', kind: 'distribution', token: TOKEN }], coalesceMs: 50 });
    registry = await startRegistry({ extraConfig: notifications(served.url, [{ name: 'intruder', authorization: 'Bearer not-the-token-at-all' }]) });
  });

  after(async () => {
    await registry?.stop();
    await served?.stop();
  });

  test('gets 401 for its notifications, and a push tells the sink nothing', async () => {
    await seedTags(registry.url, 'team/app', versionTags(['1.0.0']));
    await until(() => served.answers.length >= 2, 10_000, 'notifications answered');
    await sleep(300);
    assert.deepEqual([...new Set(served.answers.map((a) => `${a.status} ${a.code}`))], ['401 webhook-unauthorized']);
    assert.deepEqual(served.sink.repositories, []);
  });
});
