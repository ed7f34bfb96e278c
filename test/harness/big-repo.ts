import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { git } from './git-repos.ts';

export interface BigRepoShape {
  files: number;
  commits: number;
  /** Files changed by each commit after the first. */
  filesPerCommit: number;
  /** Folders the files are spread over. */
  folders: number;
  /** The registry host the images name (default registry.example.com). */
  registry?: string;
  /** Also a Service next to each Deployment (`svc-0123-service.yaml`): a file that holds no slot. */
  services?: boolean;
}

export const BENCH_SHAPE: BigRepoShape = { files: 5_000, commits: 200, filesPerCommit: 25, folders: 50 };

/** The path of file `i`: `apps/team-07/svc-0123.yaml`. */
export function bigRepoPath(i: number, shape: BigRepoShape = BENCH_SHAPE): string {
  return `apps/team-${String(i % shape.folders).padStart(2, '0')}/svc-${String(i).padStart(4, '0')}.yaml`;
}

/** A ~1.5 KB Deployment manifest whose image (`<registry>/team/svc-0123`) has tag `tag`. */
export function bigRepoManifest(i: number, tag: string, registry = 'registry.example.com'): string {
  const name = `svc-${String(i).padStart(4, '0')}`;
  const env = Array.from({ length: 18 }, (_, k) => `            - name: SETTING_${k}\n              value: "value-${(i * 31 + k) % 997}"\n`).join('');
  return `# ${name}: generated for the benchmark
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${String(i % 50).padStart(2, '0')}
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.app: semver:^1.0.0
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: ${registry}/team/${name}:${tag}
          env:
${env}`;
}

/** A Service for the Deployment of file `i`: no image, no policy. */
export function bigRepoService(i: number): string {
  const name = `svc-${String(i).padStart(4, '0')}`;
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: team-${String(i % 50).padStart(2, '0')}
  labels:
    app: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`;
}

/**
 * Writes `<root>/<name>.git` with `git fast-import`: one commit adding every file, then commits
 * that each bump the tag in a few files. Seconds for 5,000 files × 200 commits.
 */
export function createBigRepo(root: string, name: string, shape: BigRepoShape = BENCH_SHAPE): string {
  const bare = join(root, `${name}.git`);
  git(root, 'init', '-q', '--bare', '--initial-branch=main', bare);
  git(bare, 'config', 'http.receivepack', 'true');
  git(bare, 'config', 'receive.denyNonFastForwards', 'true');
  const chunks: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let c = 0; c < shape.commits; c++) {
    const when = 1_700_000_000 + c * 3600;
    chunks.push(`commit refs/heads/main\nmark :${c + 1}\ncommitter Dev <dev@example.com> ${when} +0000\n${data(`Commit ${c}`)}`);
    if (c > 0) chunks.push(`from :${c}\n`);
    const touched = c === 0 ? Array.from({ length: shape.files }, (_, i) => i) : Array.from({ length: shape.filesPerCommit }, (_, k) => (c * 97 + k * 193) % shape.files);
    for (const i of touched) chunks.push(`M 100644 inline ${bigRepoPath(i, shape)}\n${data(bigRepoManifest(i, `1.0.${c}`, shape.registry))}`);
    if (c === 0 && shape.services === true) for (const i of touched) chunks.push(`M 100644 inline ${bigRepoPath(i, shape).replace(/\.yaml$/, '-service.yaml')}\n${data(bigRepoService(i))}`);
    chunks.push('\n');
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: bare, input: chunks.join(''), maxBuffer: 64 * 1024 * 1024 });
  // The server packs its objects once, as a real host would have them.
  git(bare, 'repack', '-adq');
  return bare;
}
