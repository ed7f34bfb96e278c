import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits, findSlots } from '../../src/manifests/index.ts';

const deployment = `# app
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # the site
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: semver:^1
spec:
  template:
    spec:
      containers:
        - name: web
          image: "reg.local:5000/web:1.0.0" # pinned by bot

          ports: [{containerPort: 80}]
`;

test('an edit changes only the bytes of the image scalar', () => {
  const [slot] = findSlots([{ path: 'web.yaml', text: deployment }]).slots;
  assert.ok(slot);
  const after = applyEdits('web.yaml', deployment, [{ slot, image: 'reg.local:5000/web:1.2.0' }]);
  assert.equal(after, deployment.replace('web:1.0.0', 'web:1.2.0'));
});
