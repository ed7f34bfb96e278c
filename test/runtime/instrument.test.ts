import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAt } from '../../src/automation/found.ts';
import { DEFAULT_READ_LIMITS } from '../../src/automation/read.ts';
import type { TagSource } from '../../src/automation/index.ts';
import { instrument, type CycleContext } from '../../src/runtime/index.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { automated } from '../harness/manifests.ts';

/** A cycle's context that records what it is told. */
function context(): CycleContext & { told: string[] } {
  const told: string[] = [];
  return { told, reason: 'schedule', activity: (what) => void (what !== undefined && told.push(what)), usedImage: (r) => void told.push(`image ${r}`), gitOperation: (op, outcome) => void told.push(`${op} ${outcome}`) };
}

const tags: TagSource = { listTags: async () => ({ tags: [], invalid: [], warnings: [], cached: false }) };

function wiring() {
  const repo = new InMemoryRepository({ 'apps/web.yaml': automated('web', 'ghcr.io/org/web:1.0.0', 'semver:^1') });
  let listings = 0;
  const list = repo.listFiles.bind(repo);
  repo.listFiles = async (...args) => {
    listings++;
    return list(...args);
  };
  return { deps: { repo, tags }, repo, listings: () => listings };
}

test('an automation’s cycles read through one session object, so the slots found at a commit carry over to the next cycle', async () => {
  const { deps, repo, listings } = wiring();
  const paths = ['apps'];
  const first = instrument(deps, context());
  await findAt({ repo: first.repo, paths }, repo.head(), DEFAULT_READ_LIMITS);
  const second = instrument(deps, context());
  assert.equal(second.repo, first.repo);
  await findAt({ repo: second.repo, paths }, repo.head(), DEFAULT_READ_LIMITS);
  assert.equal(listings(), 1, 'the second cycle at the same commit lists and parses nothing');
});

test('each cycle’s Git operations and steps are told to that cycle’s context only', async () => {
  const { deps } = wiring();
  const [a, b] = [context(), context()];
  await instrument(deps, a).repo.fetch(['main']);
  await instrument(deps, b).repo.fetch(['main']);
  assert.deepEqual(a.told, ['git fetch', 'fetch ok']);
  assert.deepEqual(b.told, ['git fetch', 'fetch ok']);
});

test('another session (a rotated Secret re-wired the clone) gets its own wrapper, and another wiring too', () => {
  const { deps } = wiring();
  const before = instrument(deps, context()).repo;
  const rotated = { ...deps, repo: new InMemoryRepository({}) };
  assert.notEqual(instrument(rotated, context()).repo, before);
  assert.notEqual(instrument({ ...deps }, context()).repo, before, 'a new wiring (a reload) starts afresh');
});
