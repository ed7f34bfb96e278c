/** Flux v2 ImageUpdateAutomation objects: markers applied only under update.path; the commit subject from messageTemplate. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commitSubject, findSlots, fluxSubject } from '../../src/manifests/index.ts';
import { messageTemplate } from '../../src/automation/message.ts';

function automation(name: string, path: string | undefined, template?: string): string {
  const update = path === undefined ? '' : `  update:\n    path: ${path}\n    strategy: Setters\n`;
  const commit = template === undefined ? '' : `  git:\n    commit:\n      author: {name: fluxbot, email: flux@example.com}\n      messageTemplate: ${JSON.stringify(template)}\n`;
  return `apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImageUpdateAutomation\nmetadata: {name: ${name}, namespace: flux-system}\nspec:\n  interval: 5m\n  sourceRef: {kind: GitRepository, name: fleet}\n${commit}${update}`;
}

const policy = 'apiVersion: image.toolkit.fluxcd.io/v1beta2\nkind: ImagePolicy\nmetadata: {name: web, namespace: flux-system}\nspec:\n  imageRepositoryRef: {name: web}\n  policy:\n    semver: {range: "^1"}\n';
const marker = 'image: ghcr.io/acme/web:1.0.0 # {"$imagepolicy": "flux-system:web"}\n';

test('Flux markers under an ImageUpdateAutomation update.path are automated; outside it they are not, with a problem', () => {
  const { slots, problems } = findSlots([
    { path: 'flux/automation.yaml', text: automation('prod', './clusters/prod') + '---\n' + policy },
    { path: 'clusters/prod/web.yaml', text: marker },
    { path: 'clusters/staging/web.yaml', text: marker },
    { path: 'clusters/staging/own.yaml', text: 'image: ghcr.io/acme/api:1.0.0 # tagpilot: semver:^1\n' },
  ]);
  assert.deepEqual(
    slots.map((s) => [s.file, s.policy?.source]),
    [
      ['clusters/prod/web.yaml', 'semver:^1'],
      ['clusters/staging/web.yaml', undefined],
      ['clusters/staging/own.yaml', 'semver:^1'],
    ],
  );
  assert.deepEqual(
    problems.map((p) => [p.file, p.message]),
    [['clusters/staging/web.yaml', '1 Flux marker outside every ImageUpdateAutomation update.path (clusters/prod): not automated']],
  );
});

test('without update.path an ImageUpdateAutomation covers the whole repository; without any, all markers count', () => {
  for (const files of [[automation('all', undefined) + '---\n' + policy], [policy]]) {
    const { slots } = findSlots([
      { path: 'flux/a.yaml', text: files[0]! },
      { path: 'apps/web.yaml', text: marker },
    ]);
    assert.equal(slots[0]?.policy?.source, 'semver:^1');
  }
});

for (const [template, subject] of [
  ['Automated image update', 'Automated image update'],
  ['chore: images by {{ .AutomationObject }}\n\n{{ range .Changed.Changes }}- {{ .OldValue }} -> {{ .NewValue }}\n{{ end }}', 'chore: images by flux-system/prod'],
  ['{{ range .Updated.Images }}{{ . }} {{ end }}', undefined],
  ['', undefined],
] as const) {
  test(`messageTemplate ${JSON.stringify(template.split('\n')[0])} gives the subject ${subject ?? "(tagpilot's)"}`, () => {
    assert.equal(fluxSubject({ name: 'flux-system/prod', path: 'clusters/prod', messageTemplate: template }), subject);
  });
}

test('the subject applies when one automation holds every changed file, and only under the default tagpilot subject', () => {
  const automations = [
    { name: 'flux-system/prod', path: 'clusters/prod', messageTemplate: 'Automated image update' },
    { name: 'flux-system/dev', path: 'clusters/dev' },
  ];
  assert.equal(commitSubject(automations, ['clusters/prod/a.yaml', 'clusters/prod/b.yaml']), 'Automated image update');
  assert.equal(commitSubject(automations, ['clusters/prod/a.yaml', 'clusters/dev/b.yaml']), undefined);
  const change = { file: 'clusters/prod/a.yaml', line: 1, kind: 'marker' as const, repository: 'ghcr.io/acme/web', from: '1.0.0', to: '1.1.0', policy: 'semver:^1' };
  assert.match(messageTemplate()([change], 'Automated image update'), /^Automated image update\n\n- clusters\/prod\/a.yaml:1 marker: ghcr.io\/acme\/web 1.0.0 → 1.1.0 \(semver:\^1\)\n\nTagpilot-Update: /);
  const own = messageTemplate({ subject: 'deploy: {summary}', change: '- {image} {to}' });
  assert.match(own([change], 'Automated image update'), /^deploy: /);
});
