import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { runCycle, type CycleDeps } from '../../src/automation/index.ts';
import { errorCode } from '../../src/problems/index.ts';
import { automated } from '../harness/manifests.ts';
import { FakeTagSource } from '../fakes/tag-source.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { heldBudget, HELD_TEXT_CHARS, readSlots } from '../../src/automation/read.ts';

function deps(signal: AbortSignal, tags = new FakeTagSource({ 'ghcr.io/acme/web': ['1.0.0', '1.1.0'] })): CycleDeps & { repo: InMemoryRepository } {
  const repo = new InMemoryRepository({ 'web.yaml': automated('web', 'ghcr.io/acme/web:1.0.0', 'semver:^1') });
  return { repo, tags, branch: 'main', paths: ['.'], author: { name: 'bot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), signal };
}

test('a cycle whose signal has fired does not start: no fetch, no push', async () => {
  const d = deps(AbortSignal.abort());
  await assert.rejects(runCycle(d), (error: unknown) => errorCode(error) === 'cancelled');
  assert.equal(d.repo.fetches, 0);
  assert.equal(d.repo.pushes, 0);
});

/** Tags that fire `stop` when the registry is first asked. */
function stoppingTags(stop: AbortController): FakeTagSource {
  const tags = new FakeTagSource({ 'ghcr.io/acme/web': ['1.0.0', '1.1.0'] });
  const listTags = tags.listTags.bind(tags);
  tags.listTags = async (...args) => {
    stop.abort();
    return listTags(...args);
  };
  return tags;
}

test('a signal that fires while the registry is asked stops the cycle before it commits', async () => {
  const stop = new AbortController();
  const d = deps(stop.signal, stoppingTags(stop));
  await assert.rejects(runCycle(d), (error: unknown) => errorCode(error) === 'cancelled');
  assert.equal(d.repo.pushes, 0);
  assert.equal(d.repo.log().length, 1, 'no commit of ours on the branch');
});

test('the registry and the repository get the cycle’s signal', async () => {
  const stop = new AbortController();
  const tags = new FakeTagSource({ 'ghcr.io/acme/web': ['1.0.0', '1.1.0'] });
  const listed: (AbortSignal | undefined)[] = [];
  const pushed: (AbortSignal | undefined)[] = [];
  const listTags = tags.listTags.bind(tags);
  tags.listTags = async (ref, needs, options = {}) => {
    listed.push(options.signal);
    return listTags(ref, needs, options);
  };
  const d = deps(stop.signal, tags);
  const push = d.repo.push.bind(d.repo);
  d.repo.push = async (commit, target, signal) => {
    pushed.push(signal);
    return push(commit, target, signal);
  };
  await runCycle(d);
  assert.deepEqual(pushed, [stop.signal]);
  // The registry's signal is the cycle's joined with the registry deadline: it fires with it.
  assert.equal(listed.length, 1);
  assert.equal(listed[0]?.aborted, false);
  stop.abort();
  assert.equal(listed[0]?.aborted, true);
});

test('a cycle stopped after its read gives the parses it held back: the next read holds them again', async () => {
  const big = automated('web', 'ghcr.io/acme/web:1.0.0', 'semver:^1') + `#${'x'.repeat(Math.ceil(HELD_TEXT_CHARS * 0.6))}\n`;
  const stopped = new AbortController();
  const held = heldBudget();
  const d = { ...deps(stopped.signal, stoppingTags(stopped)), repo: new InMemoryRepository({ 'web.yaml': big }), maxFileBytes: HELD_TEXT_CHARS, heldParses: held };
  await assert.rejects(runCycle(d), (error: unknown) => errorCode(error) === 'cancelled');
  const read = await readSlots(d.repo, d.repo.head(), ['.'], { limits: { maxFileBytes: HELD_TEXT_CHARS }, held });
  assert.equal(read.held?.size, 1, 'more than half the budget was free again');
  read.release?.();
});
