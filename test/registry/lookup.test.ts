import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import { FaultProxy } from '../harness/fault-proxy.ts';
import { until } from '../harness/wait.ts';
import { TagLookup, type TagQuery } from '../../src/registry/lookup.ts';
import type { TagpilotError } from '../../src/problems/index.ts';
import { NO_NEEDS } from '../../src/registry/client.ts';
import { ref, testClient } from './helpers.ts';

const TAG_LIST = /GET \/v2\/team\/app\/tags\/list/;

describe("a cycle's registry lookups (real Distribution behind fault proxies)", () => {
  let registry: TestRegistry;
  let healthy: FaultProxy;
  let stuck: FaultProxy;

  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/app', versionTags(['1.0.0', '1.1.0']));
    [healthy, stuck] = await Promise.all([FaultProxy.start({ upstream: registry.url }), FaultProxy.start({ upstream: registry.url })]);
  });

  after(async () => {
    await Promise.all([healthy.stop(), stuck.stop()]);
    await registry.stop();
  });

  const query = (host: string, expected: string[] = []): TagQuery => ({ ref: ref(`${host}/team/app`), needs: NO_NEEDS, digestsFor: [], expected });
  const client = (ttlMs = 60_000) => testClient([healthy.host, stuck.host], { tagCacheTtlMs: ttlMs, timeoutMs: 30_000 });

  test("a finished lookup is not kept alive through the cycle's signal, which outlives it (nor are the tag lists it holds)", async () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    const automation = new AbortController(); // lives as long as the automation, across its cycles
    let lookup: TagLookup | undefined = new TagLookup(client());
    const released = new WeakRef(lookup);
    await lookup.fetch(new Map([['healthy', query(healthy.host)]]), automation.signal);
    lookup = undefined;
    await until(
      () => {
        collectGarbage();
        return released.deref() === undefined;
      },
      5_000,
      'the lookup to be collected',
    );
  });

  test('a stuck registry is its own problem at the deadline (registry-deadline), its request cancelled; the healthy one answers', async () => {
    stuck.inject(TAG_LIST, { delayMs: 10_000 });
    const registryClient = client();
    // Long enough for the healthy registry to answer on a loaded machine; the stuck one answers after 10 s.
    const lookup = new TagLookup(registryClient, { deadlineMs: 2_000 });
    const started = performance.now();
    const answers = await lookup.fetch(
      new Map([
        ['healthy', query(healthy.host)],
        ['stuck', query(stuck.host)],
      ]),
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 1_900 && elapsed < 8_000, `ended at the deadline (${Math.round(elapsed)} ms)`);
    assert.deepEqual(
      (answers.get('healthy') as { tag: string }[]).map((t) => t.tag),
      ['1.0.0', '1.1.0'],
    );
    const error = answers.get('stuck') as TagpilotError;
    assert.equal(error.code, 'registry-deadline');
    assert.match(error.message, new RegExp(`^${stuck.host}/team/app: no answer within the registry deadline \\(2s\\)`));
    await until(() => stuck.requests.at(-1)?.cancelled === true, 2_000, 'the stuck request was cancelled');
    lookup.expire();
    const again = await lookup.fetch(new Map([['healthy', query(healthy.host)]]));
    assert.ok(Array.isArray(again.get('healthy')), 'the healthy answer was not taken for a failure when the deadline fired');
    await registryClient.close();
  });

  test('a current tag missing from a cached list makes the list be asked again, past the cache', async () => {
    const registryClient = client();
    const before = healthy.count(TAG_LIST);
    await new TagLookup(registryClient).fetch(new Map([['r', query(healthy.host)]]));
    await seedTags(registry.url, 'team/app', versionTags(['1.2.0'], new Date('2024-02-01T00:00:00Z')));
    const answers = await new TagLookup(registryClient).fetch(new Map([['r', query(healthy.host, ['1.2.0'])]]));
    assert.ok((answers.get('r') as { tag: string }[]).some((t) => t.tag === '1.2.0'));
    assert.equal(healthy.count(TAG_LIST) - before, 2);
    await registryClient.close();
  });

  test('a current tag missing from a list fetched in this round is not asked for again', async () => {
    const registryClient = client();
    const before = healthy.count(TAG_LIST);
    await new TagLookup(registryClient).fetch(new Map([['r', query(healthy.host, ['9.9.9'])]]));
    assert.equal(healthy.count(TAG_LIST) - before, 1);
    await registryClient.close();
  });

  test('within a cycle each repository is asked once; after expire() (a lost race) again, past the cache', async () => {
    const registryClient = client();
    const lookup = new TagLookup(registryClient);
    const before = healthy.count(TAG_LIST);
    await lookup.fetch(new Map([['r', query(healthy.host)]]));
    await lookup.fetch(new Map([['r', query(healthy.host)]]));
    assert.equal(healthy.count(TAG_LIST) - before, 1);
    lookup.expire();
    await lookup.fetch(new Map([['r', query(healthy.host)]]));
    assert.equal(healthy.count(TAG_LIST) - before, 2);
    await registryClient.close();
  });

  test('a repository that failed is not asked again after expire(): a stuck registry costs the deadline once per cycle', async () => {
    stuck.inject(TAG_LIST, { delayMs: 10_000 });
    const registryClient = client();
    const lookup = new TagLookup(registryClient, { deadlineMs: 300 });
    const before = stuck.count(TAG_LIST);
    await lookup.fetch(new Map([['stuck', query(stuck.host)]]));
    lookup.expire();
    const started = performance.now();
    const answers = await lookup.fetch(new Map([['stuck', query(stuck.host)]]));
    assert.ok(performance.now() - started < 200, 'answered from the failure at once');
    assert.equal((answers.get('stuck') as TagpilotError).code, 'registry-deadline');
    assert.equal(stuck.count(TAG_LIST) - before, 1);
    await registryClient.close();
  });
});
