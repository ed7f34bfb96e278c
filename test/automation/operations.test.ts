import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { runOperation, planOperation, parseOperationTrailers, type OperationRequest } from '../../src/automation/index.ts';
import { errorCode } from '../../src/problems/index.ts';
import { InMemoryRepository } from '../fakes/repository.ts';
import { webDeployment } from '../fakes/web-manifest.ts';

const WEB = webDeployment({ image: 'reg.local/shop/web:1.0.0' });

const who = { by: 'Ana <ana@example.com>', at: '2026-12-01T12:00:00Z' };

async function operate(request: OperationRequest, files: Record<string, string> = { 'web.yaml': WEB }) {
  const repo = new InMemoryRepository(files);
  const deps = { repo, branch: 'main', paths: ['.'], author: { name: 'tagpilot', email: 'bot@example.com' }, log: pino({ level: 'silent' }), sleep: async () => {} };
  const outcome = await runOperation(deps, (slots) => planOperation(request, slots));
  return { outcome, files: repo.files(), message: repo.log()[0]!.message };
}

const cases: { name: string; request: OperationRequest; web: string; trailer: string }[] = [
  { name: 'deautomate removes tagpilot.io/automated', request: { verb: 'deautomate', target: 'shop:deployment/web', ...who }, web: WEB.replace('    tagpilot.io/automated: "true"\n', ''), trailer: 'deautomate shop:deployment/web -' },
  { name: 'policy set writes the slot policy', request: { verb: 'policy-set', target: 'shop:deployment/web', slot: 'web', policy: 'semver:~1.4', ...who }, web: WEB.replace('semver:^1', '"semver:~1.4"'), trailer: 'policy-set shop:deployment/web web' },
  {
    name: 'lock of one slot writes its own keys',
    request: { verb: 'lock', target: 'shop:deployment/web', slot: 'web', reason: 'audit', ...who },
    web: WEB.replace('semver:^1\n', 'semver:^1\n    tagpilot.io/locked.web: "true"\n    tagpilot.io/locked-by.web: "Ana <ana@example.com>"\n    tagpilot.io/locked-reason.web: audit\n    tagpilot.io/locked-at.web: "2026-12-01T12:00:00Z"\n'),
    trailer: 'lock shop:deployment/web web',
  },
];

for (const c of cases) {
  test(`operation: ${c.name}, byte-exactly, as one commit with its trailer`, async () => {
    const { outcome, files, message } = await operate(c.request);
    assert.ok(outcome.commit);
    assert.equal(files['web.yaml'], c.web);
    const [op] = parseOperationTrailers(message);
    assert.equal(`${op?.verb} ${op?.target} ${op?.slot ?? '-'}`, c.trailer);
  });
}

test('operation: automate on an automated workload commits nothing', async () => {
  const { outcome } = await operate({ verb: 'automate', target: 'shop:deployment/web', ...who });
  assert.equal(outcome.commit, undefined);
});

const refusals: { name: string; request: OperationRequest }[] = [
  { name: 'an unknown workload', request: { verb: 'lock', target: 'shop:deployment/nope', reason: 'x', ...who } },
  { name: 'an unknown slot', request: { verb: 'unlock', target: 'shop:deployment/web', slot: 'nope', ...who } },
  { name: 'a policy that does not parse', request: { verb: 'policy-set', target: 'shop:deployment/web', slot: 'web', policy: 'semver:>>1', ...who } },
  { name: 'a rollback with no earlier value in history', request: { verb: 'rollback', target: 'shop:deployment/web', lock: true, ...who } },
];

for (const r of refusals) {
  test(`operation: ${r.name} is refused (operation-refused), nothing committed`, async () => {
    await assert.rejects(operate(r.request), (error) => errorCode(error) === 'operation-refused');
  });
}

test('operation: a lock on a values file (no object to annotate) is refused, never invents metadata', () => {
  const slots = [{ file: 'values.yaml', line: 2, kind: 'marker' as const, container: 'image.repository', image: 'reg.local/shop/api:1.0.0', lock: { locked: false }, fields: [] }];
  assert.throws(
    () => planOperation({ verb: 'lock', target: 'values.yaml', reason: 'x', ...who }, slots),
    (error) => errorCode(error) === 'operation-refused' && /not a Kubernetes object/.test((error as Error).message),
  );
});
