import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { plan, type Change, type CycleDeps, type TagSource } from '../../src/automation/index.ts';
import type { TagList } from '../../src/registry/index.ts';
import { InMemoryRepository } from '../fakes/repository.ts';

/**
 * `partition` (a review branch per workload or group): the decided changes are split into parts,
 * each edited on its own from the same head, so each part's files hold only its own changes.
 */
const doc = (name: string, tag: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.app: semver:^1\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: reg.example/team/${name}:${tag}\n`;

const tags: TagSource = {
  async listTags(): Promise<TagList> {
    return { tags: ['1.0.0', '1.1.0'].map((tag) => ({ tag })), invalid: [], warnings: [], cached: false };
  },
};

function deps(partition?: CycleDeps['partition']): CycleDeps {
  const files = { 'apps/both.yaml': `${doc('web', '1.0.0')}---\n${doc('api', '1.0.0')}`, 'apps/db.yaml': doc('db', '1.0.0') };
  return { repo: new InMemoryRepository(files), tags, branch: 'main', paths: ['apps'], author: { name: 'tagpilot-bot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), ...(partition === undefined ? {} : { partition }) };
}

const byWorkload = (changes: readonly Change[]) => Map.groupBy(changes, (c) => c.workload ?? c.file);
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

test('partition: a file two parts touch is edited once per part, each with only its own change', async () => {
  const planned = await plan(deps(byWorkload));
  const parts = planned.parts!;
  assert.deepEqual([...parts.keys()].sort(), ['default:deployment/api', 'default:deployment/db', 'default:deployment/web']);
  const web = text(parts.get('default:deployment/web')!.files.get('apps/both.yaml'));
  assert.match(web, /team\/web:1\.1\.0/);
  assert.match(web, /team\/api:1\.0\.0/, "web's part leaves api as it is");
  const api = text(parts.get('default:deployment/api')!.files.get('apps/both.yaml'));
  assert.match(api, /team\/api:1\.1\.0/);
  assert.match(api, /team\/web:1\.0\.0/);
  assert.deepEqual([...parts.get('default:deployment/db')!.files.keys()], ['apps/db.yaml']);
  assert.equal(planned.changes.length, 3, 'the plan still says every change');
  assert.equal(planned.files.size, 0, 'no combined edit with parts');
});

test('partition: a change left out of every part is not edited, and a part is named by its key only', async () => {
  const planned = await plan(deps((changes) => new Map([['only-db', changes.filter((c) => c.workload === 'default:deployment/db')]])));
  assert.deepEqual([...planned.parts!.keys()], ['only-db']);
  assert.deepEqual(
    planned.changes.map((c) => c.workload),
    ['default:deployment/db'],
  );
});

test('without partition the plan has no parts and one combined edit', async () => {
  const planned = await plan(deps());
  assert.equal(planned.parts, undefined);
  assert.match(text(planned.files.get('apps/both.yaml')), /web:1\.1\.0[\s\S]*api:1\.1\.0/);
});
