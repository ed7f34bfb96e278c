import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small GitOps repo: annotated workloads, a workload without annotations, comments and quotes. */
export function fleetFiles(registry: string): Record<string, string> {
  return {
    'apps/web.yaml': `# The public site. Reviewed by the web team.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: semver:^1.0.0
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: '${registry}/team/web:1.0.0'   # bumped by tagpilot

          ports:
            - containerPort: 8080
        - name: sidecar
          image: ${registry}/team/proxy:3.1.0
`,
    'apps/workers.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: queue
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.queue: "semver:~2.3"
spec:
  template:
    spec:
      containers:
      - name: queue
        image: "${registry}/team/queue:2.3.0"
---
# A Deployment nobody automated: must stay untouched.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
spec:
  template:
    spec:
      containers:
      - name: legacy
        image: ${registry}/team/web:1.0.0
`,
    'README.md': '# fleet\n',
  };
}

/** Tags the fleet's images have in the registry. */
export const FLEET_TAGS: Record<string, string[]> = {
  'team/web': ['1.0.0', '1.1.0', '1.2.0', '1.2.1-rc.1', '2.0.0', 'latest'],
  'team/proxy': ['3.1.0', '3.2.0'],
  'team/queue': ['2.3.0', '2.3.4', '2.4.0'],
};

export function writeConfig(dir: string, lines: string): string {
  const path = join(dir, 'tagpilot.yaml');
  writeFileSync(path, lines);
  return path;
}
