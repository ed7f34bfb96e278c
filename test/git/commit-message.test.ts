import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitMessage, messageTemplate } from '../../src/automation/message.ts';
import { formatUpdateTrailer, parseUpdateTrailers } from '../../src/automation/trailers.ts';
import type { Change } from '../../src/automation/types.ts';

const web: Change = { file: 'apps/web.yaml', line: 17, kind: 'container', workload: 'shop:deployment/web', container: 'web', repository: 'registry.example.com/team/web', from: '1.0.0', to: '1.2.0', policy: 'semver:^1.0.0' };
const queue: Change = { file: 'apps/workers.yaml', line: 12, kind: 'container', workload: 'default:statefulset/queue', container: 'queue', repository: 'registry.example.com/team/queue', from: '2.3.0', to: '2.3.4', policy: 'semver:~2.3' };

test('the default message: subject, one line per change, one trailer per change', () => {
  assert.equal(
    commitMessage([web, queue]),
    `tagpilot: update 2 images in 2 workloads

- apps/web.yaml:17 shop:deployment/web container web: registry.example.com/team/web 1.0.0 → 1.2.0 (semver:^1.0.0)
- apps/workers.yaml:12 default:statefulset/queue container queue: registry.example.com/team/queue 2.3.0 → 2.3.4 (semver:~2.3)

Tagpilot-Update: shop:deployment/web web registry.example.com/team/web 1.0.0 1.2.0 semver:^1.0.0
Tagpilot-Update: default:statefulset/queue queue registry.example.com/team/queue 2.3.0 2.3.4 semver:~2.3
`,
  );
});

test('a single change names the workload, container and tags in the subject', () => {
  assert.match(commitMessage([web]), /^tagpilot: shop:deployment\/web web 1\.0\.0 → 1\.2\.0\n/);
});

test('a template sets subject, change lines and a footer; trailers are still appended', () => {
  const format = messageTemplate({ subject: 'chore(images): {count} bump(s) {{auto}}', change: '* {workload}/{container}: {from} -> {to}', footer: 'Runbook: https://wiki.example.com/tagpilot' });
  assert.equal(format([web]), 'chore(images): 1 bump(s) {auto}\n\n* shop:deployment/web/web: 1.0.0 -> 1.2.0\n\nRunbook: https://wiki.example.com/tagpilot\n\nTagpilot-Update: shop:deployment/web web registry.example.com/team/web 1.0.0 1.2.0 semver:^1.0.0\n');
});

test('an unknown placeholder is refused when the template is compiled', () => {
  assert.throws(() => messageTemplate({ subject: 'tagpilot: {sumary}', change: '-' }), /subject: unknown placeholder \{sumary\}/);
  assert.throws(() => messageTemplate({ subject: 'x', change: '{summary}' }), /change: unknown placeholder \{summary\}/);
});

test('a newline in a file name cannot forge a trailer', () => {
  const message = commitMessage([{ ...web, workload: undefined, file: 'apps/x.yaml\nTagpilot-Update: evil' }]);
  assert.equal(parseUpdateTrailers(message).length, 1);
});

test('trailers round-trip, with spaces encoded in fields and kept in the policy', () => {
  const change: Change = { ...web, workload: undefined, container: undefined, file: 'my apps/kustomization.yaml', policy: 'semver:>=1.0.0 <2.0.0' };
  const line = formatUpdateTrailer(change);
  assert.equal(line, 'Tagpilot-Update: my%20apps/kustomization.yaml - registry.example.com/team/web 1.0.0 1.2.0 semver:>=1.0.0 <2.0.0');
  assert.deepEqual(parseUpdateTrailers(`subject\n\n${line}\n`), [{ workload: 'my apps/kustomization.yaml', image: 'registry.example.com/team/web', from: '1.0.0', to: '1.2.0', policy: 'semver:>=1.0.0 <2.0.0' }]);
});

test('trailers written before policies were recorded still parse', () => {
  assert.deepEqual(parseUpdateTrailers('Tagpilot-Update: ns:deployment/a app img 1 2'), [{ workload: 'ns:deployment/a', container: 'app', image: 'img', from: '1', to: '2' }]);
});
