/**
 * Finds every slot in a generated 5,000-file repository and applies 100 edits.
 * Run: node bench/manifests.bench.ts — prints one JSON object (times in ms, peak RSS in MiB).
 */
import { applyEdits, findSlots, type ImageEdit, type SourceFile } from '../src/manifests/index.ts';

const FILES = 5000;
const EDITS = 100;

function deployment(i: number): string {
  return `# service ${i}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.app: semver:^1
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: svc-${i}}
    spec:
      initContainers:
      - name: migrate
        image: registry.local:5000/team/migrate-${i}:1.0.${i % 50}
      containers:
      - name: app
        image: "registry.local:5000/team/svc-${i}:1.${i % 7}.0"   # bumped by tagpilot
        ports: [{containerPort: 8080}]
        env:
        - {name: MODE, value: production}
      - name: proxy
        image: envoyproxy/envoy:v1.29.${i % 9}
---
apiVersion: v1
kind: Service
metadata: {name: svc-${i}}
spec:
  ports: [{port: 80, targetPort: 8080}]
`;
}

function helmRelease(i: number): string {
  return `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: rel-${i}, namespace: apps}
spec:
  values:
    image:
      repository: ghcr.io/acme/rel-${i}
      tag: '2.${i % 5}.1'
    worker:
      image: ghcr.io/acme/worker-${i}:0.${i % 3}.0
`;
}

function kustomization(i: number): string {
  return `namespace: team-${i}
resources: [deploy.yaml]
images:
- name: app
  newName: ghcr.io/acme/k-${i}
  newTag: "3.${i % 4}.0"   # tagpilot: tag semver:^3
`;
}

function values(i: number): string {
  return `job:
  repository: ghcr.io/acme/job-${i} # tagpilot: name
  tag: 0.1.${i % 10} # tagpilot: tag semver:~0.1
`;
}

function generate(): SourceFile[] {
  const files: SourceFile[] = [];
  for (let i = 0; i < FILES; i++) {
    const kind = i % 10;
    if (kind < 7) files.push({ path: `apps/svc-${i}/deploy.yaml`, text: deployment(i) });
    else if (kind === 7) files.push({ path: `releases/rel-${i}.yaml`, text: helmRelease(i) });
    else if (kind === 8) files.push({ path: `apps/svc-${i}/kustomization.yaml`, text: kustomization(i) });
    else files.push({ path: `values/job-${i}.yaml`, text: values(i) });
  }
  return files;
}

function bump(image: string): string {
  return image.replace(/:(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string) => `:${a}.${b}.${Number(c) + 1}`);
}

const files = generate();
const bytes = files.reduce((n, f) => n + f.text.length, 0);
const started = performance.now();
const { slots, problems } = findSlots(files);
const found = performance.now();

const step = Math.floor(slots.length / EDITS);
const edits: ImageEdit[] = [];
for (let i = 0; i < EDITS; i++) {
  const slot = slots[i * step]!;
  edits.push({ slot, image: bump(slot.image) });
}
const byFile = new Map<string, ImageEdit[]>();
for (const edit of edits) byFile.set(edit.slot.file, [...(byFile.get(edit.slot.file) ?? []), edit]);
const texts = new Map(files.map((f) => [f.path, f.text]));
let changedFiles = 0;
for (const [path, fileEdits] of byFile) {
  if (applyEdits(path, texts.get(path)!, fileEdits) !== texts.get(path)) changedFiles++;
}
const edited = performance.now();

const round = (ms: number) => Math.round(ms);
process.stdout.write(
  `${JSON.stringify({
    files: files.length,
    megabytes: Math.round((bytes / 1024 / 1024) * 10) / 10,
    slots: slots.length,
    problems: problems.length,
    edits: edits.length,
    changedFiles,
    findMs: round(found - started),
    editMs: round(edited - found),
    totalMs: round(edited - started),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
