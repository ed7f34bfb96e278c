import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { plan, type CycleDeps, type PullAuths, type TagSource } from '../../src/automation/index.ts';
import { canonicalRepository, type ImageRef } from '../../src/image/index.ts';
import type { PolicyNeeds } from '../../src/policy/index.ts';
import type { ListOptions, TagList } from '../../src/registry/index.ts';
import { InMemoryRepository } from '../fakes/repository.ts';

/**
 * `pullSecrets`: each workload's own registry credentials (in a cluster, its imagePullSecrets)
 * reach the registry client with its slots' listing; workloads with the same credentials share
 * one listing, and the configured credentials list the rest.
 */
const AUTHS_A: PullAuths = { auths: { 'reg.example': { auth: Buffer.from('shop:pw-A').toString('base64') } } };
const AUTHS_B: PullAuths = { auths: { 'reg.example': { auth: Buffer.from('billing:pw-B').toString('base64') } } };

function deployment(namespace: string, name: string, tag: string, extra = ''): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  annotations:\n    tagpilot.io/automated: "true"\n    tagpilot.io/tag.app: semver:^1\n${extra}spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: reg.example/team/web:${tag}\n`;
}

/** Answers by credentials: whoever lists with AUTHS_B sees a tag the others cannot. */
class ByCredentials implements TagSource {
  readonly calls: { repository: string; pullSecrets: PullAuths | undefined }[] = [];
  async listTags(ref: ImageRef, _needs: PolicyNeeds, options: ListOptions = {}): Promise<TagList> {
    this.calls.push({ repository: canonicalRepository(ref), pullSecrets: options.pullSecrets });
    const tags = options.pullSecrets === AUTHS_B ? ['1.0.0', '1.1.0', '1.9.0'] : ['1.0.0', '1.1.0'];
    return { tags: tags.map((tag) => ({ tag })), invalid: [], warnings: [], cached: false };
  }
}

function setup(lookup: (workload: string) => Promise<PullAuths | undefined>) {
  const files = {
    'apps/shop.yaml': deployment('shop', 'web', '1.0.0'),
    'apps/shop-admin.yaml': deployment('shop', 'admin', '1.0.0'),
    'apps/billing.yaml': deployment('billing', 'web', '1.0.0'),
    'apps/plain.yaml': deployment('plain', 'web', '1.0.0'),
    'apps/locked.yaml': deployment('locked', 'web', '1.0.0', '    tagpilot.io/locked: "true"\n'),
  };
  const tags = new ByCredentials();
  const asked: string[] = [];
  const deps: CycleDeps = {
    repo: new InMemoryRepository(files),
    tags,
    branch: 'main',
    paths: ['apps'],
    author: { name: 'tagpilot-bot', email: 'bot@example.com' },
    log: pino({ level: 'silent' }),
    pullSecrets: (workload) => {
      asked.push(workload);
      return lookup(workload);
    },
  };
  return { deps, tags, asked };
}

const CREDENTIALS: Record<string, PullAuths> = { 'shop:deployment/web': AUTHS_A, 'shop:deployment/admin': AUTHS_A, 'billing:deployment/web': AUTHS_B };

test('pull secrets: one listing per repository and set of credentials; workloads without their own use the configured ones', async () => {
  const { deps, tags } = setup(async (w) => CREDENTIALS[w]);
  await plan(deps);
  const label = (auths: PullAuths | undefined) => (auths === AUTHS_A ? 'A' : auths === AUTHS_B ? 'B' : 'configured');
  assert.deepEqual(tags.calls.map((c) => label(c.pullSecrets)).sort(), ['A', 'B', 'configured']);
  assert.ok(
    tags.calls.every((c) => c.repository === 'reg.example/team/web'),
    'the same repository each time',
  );
});

test("pull secrets: each workload's slots are decided on what its own credentials list", async () => {
  const { deps } = setup(async (w) => CREDENTIALS[w]);
  const planned = await plan(deps);
  const moves = Object.fromEntries(planned.changes.map((c) => [c.file, c.to]));
  assert.deepEqual(moves, { 'apps/billing.yaml': '1.9.0', 'apps/plain.yaml': '1.1.0', 'apps/shop-admin.yaml': '1.1.0', 'apps/shop.yaml': '1.1.0' });
});

test('pull secrets: looked up once per unlocked workload, never for a locked one', async () => {
  const { deps, asked } = setup(async (w) => CREDENTIALS[w]);
  await plan(deps);
  assert.deepEqual(asked.sort(), ['billing:deployment/web', 'plain:deployment/web', 'shop:deployment/admin', 'shop:deployment/web']);
});

test('pull secrets: no answer for any workload lists as without them (one listing, configured credentials)', async () => {
  const { deps, tags } = setup(async () => undefined);
  await plan(deps);
  assert.deepEqual(tags.calls, [{ repository: 'reg.example/team/web', pullSecrets: undefined }]);
});
