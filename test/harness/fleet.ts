import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBareRepo } from './git-repos.ts';
import { webDeployment } from '../fakes/web-manifest.ts';

/** A small GitOps repo: annotated workloads, a workload without annotations, comments and quotes. */
export function fleetFiles(registry: string): Record<string, string> {
  return {
    'apps/web.yaml': webDeployment({
      comment: 'The public site. Reviewed by the web team.',
      image: `'${registry}/team/web:1.0.0'   # bumped by tagpilot`,
      policy: 'semver:^1.0.0',
      spec: ['replicas: 2'],
      web: ['', 'ports:', '  - containerPort: 8080'],
      sidecars: [{ name: 'sidecar', image: `${registry}/team/proxy:3.1.0` }],
    }),
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

let sshFleets = 0;

/**
 * A fresh fleet repository (fleetFiles) in `work`, served by `sshd`, and a config that reaches it
 * over SSH with `work`'s `deploy_key`, trusting `work`'s `knownHosts` file: `git` adds lines to
 * the config's git block, `rest` is the config's top level after it.
 */
export function sshFleet(work: string, sshd: { url(bare: string): string }, registryHost: string, { knownHosts = 'known_hosts', git = '', rest }: { knownHosts?: string; git?: string; rest: string }): { bare: string; config: string } {
  const bare = createBareRepo(work, `fleet-${++sshFleets}`, fleetFiles(registryHost));
  const ssh = `  ssh:\n    privateKey: { file: ${join(work, 'deploy_key')} }\n    knownHosts: { file: ${join(work, knownHosts)} }\n`;
  const config = writeConfig(mkdtempSync(join(work, 'cfg-')), `git:\n  url: ${sshd.url(bare)}\n  paths: [apps]\n${ssh}${git}${rest}`);
  return { bare, config };
}
