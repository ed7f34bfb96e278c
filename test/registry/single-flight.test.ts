import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SingleFlight } from '../../src/registry/single-flight.ts';
import { startRegistry, type TestRegistry } from '../harness/registry.ts';
import { seedTags, versionTags } from '../harness/images.ts';
import type { RegistryObserver } from '../../src/registry/index.ts';
import { ref, testClient } from './helpers.ts';

/** Work that waits until released, counting how often it started. */
function gated() {
  let release: (value: string) => void = () => undefined;
  const gate = { starts: 0, signals: [] as AbortSignal[], release: (v: string) => release(v) };
  const work = (signal: AbortSignal) => {
    gate.starts++;
    gate.signals.push(signal);
    return new Promise<string>((resolve) => (release = resolve));
  };
  return { gate, work };
}

test('callers asking for one key while its work runs share that one run', async () => {
  const flights = new SingleFlight<string>();
  const { gate, work } = gated();
  const asks = Array.from({ length: 20 }, () => flights.run('team/app', work));
  await new Promise((r) => setImmediate(r));
  gate.release('tags');
  const answers = await Promise.all(asks);
  assert.equal(gate.starts, 1);
  assert.deepEqual(
    answers.map((a) => a.shared),
    [false, ...Array(19).fill(true)],
  );
  assert.ok(answers.every((a) => a.value === 'tags'));
  assert.equal(flights.size, 0, 'a finished run is forgotten: the next ask starts anew');
});

test('a fresh ask does not join a run that began before it', async () => {
  const flights = new SingleFlight<string>();
  const { gate, work } = gated();
  const first = flights.run('k', work);
  const fresh = flights.run('k', work, { fresh: true });
  await new Promise((r) => setImmediate(r));
  assert.equal(gate.starts, 2);
  gate.release('x');
  assert.equal((await fresh).shared, false);
  void first;
});

test('one caller giving up neither fails the others nor cancels the work; the last one to give up cancels it', async () => {
  const flights = new SingleFlight<string>();
  const { gate, work } = gated();
  const a = new AbortController();
  const b = new AbortController();
  const first = flights.run('k', work, { signal: a.signal });
  const second = flights.run('k', work, { signal: b.signal });
  await new Promise((r) => setImmediate(r));
  a.abort(new Error('deadline of a'));
  await assert.rejects(first, /deadline of a/);
  assert.equal(gate.signals[0]!.aborted, false, 'b still waits: the work goes on');
  b.abort(new Error('deadline of b'));
  await assert.rejects(second, /deadline of b/);
  assert.equal(gate.signals[0]!.aborted, true, 'nobody waits any more: the work is cancelled');
});

describe('the registry client lists a repository once for callers at the same moment (real Distribution)', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startRegistry();
    await seedTags(registry.url, 'team/shared', versionTags(['1.0.0', '1.1.0']));
  });
  after(() => registry.stop());

  test('twenty listings of one image make one tag-list request, and the observer says which were shared', async () => {
    const listed: string[] = [];
    const statuses: (number | 'error')[] = [];
    const observer: RegistryObserver = { listed: (_host, source) => void listed.push(source), request: (_host, kind, status) => void (kind === 'tags' && statuses.push(status)) };
    const client = testClient([registry.host], { observer, tagCacheTtlMs: 0 });
    try {
      const lists = await Promise.all(Array.from({ length: 20 }, () => client.listTags(ref(`${registry.host}/team/shared`))));
      assert.ok(lists.every((l) => l.tags.length === 2));
      assert.equal(client.stats().byKind.tags, 1);
      assert.deepEqual(statuses, [200]);
      assert.deepEqual([listed.filter((s) => s === 'network').length, listed.filter((s) => s === 'shared').length], [1, 19]);
    } finally {
      await client.close();
    }
  });

  test('callers of one cached list share one frozen array of its tags; a list enriched with digests is each caller’s own', async () => {
    const client = testClient([registry.host], { tagCacheTtlMs: 60_000 });
    try {
      const image = ref(`${registry.host}/team/shared`);
      const [a, b] = await Promise.all([client.listTags(image), client.listTags(image)]);
      const later = await client.listTags(image);
      assert.equal(a.tags, b.tags, 'ten automations on one image hold one copy of its tags, not ten');
      assert.equal(later.tags, a.tags);
      assert.ok(Object.isFrozen(a.tags) && a.tags.every((t) => Object.isFrozen(t)), 'shared, so nobody may change it in place');
      const digests = { created: false, digests: true, platforms: false };
      const [c, d] = await Promise.all([client.listTags(image, digests), client.listTags(image, digests)]);
      assert.notEqual(c.tags, d.tags);
      assert.notEqual(c.tags, a.tags);
      assert.ok(c.tags.every((t) => t.digest !== undefined) && a.tags.every((t) => t.digest === undefined), 'the digests set on one caller’s tags are not seen by the others');
    } finally {
      await client.close();
    }
  });

  test('within the cache TTL a later listing asks nothing; a fresh one asks again', async () => {
    const client = testClient([registry.host], { tagCacheTtlMs: 60_000 });
    try {
      await client.listTags(ref(`${registry.host}/team/shared`));
      await client.listTags(ref(`${registry.host}/team/shared`));
      assert.equal(client.stats().byKind.tags, 1);
      await client.listTags(ref(`${registry.host}/team/shared`), undefined, { fresh: true });
      assert.equal(client.stats().byKind.tags, 2);
    } finally {
      await client.close();
    }
  });
});
