import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo, Command } from '../../src/cli/io.ts';

export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs a command with in-memory streams, in `cwd`. */
export async function run(command: Command, args: string[], cwd: string): Promise<Ran> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => (chunks.out += c.toString()));
  err.on('data', (c: Buffer) => (chunks.err += c.toString()));
  const io: CliIo = { out, err, in: new PassThrough(), cwd, env: { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com' } };
  const code = await command(args, io);
  return { code, ...chunks };
}

/** A temp git repo holding `files`, committed; removed by the returned cleanup. */
export function repoWith(files: Record<string, string>): { dir: string; git: (...args: string[]) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-cli-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Seed', '-c', 'user.email=seed@example.com', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'seed');
  return { dir, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const web = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/tag.web: semver:^1
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0.0   # the site
      - name: proxy
        image: envoyproxy/envoy:v1.29.1
`;

export const locked = web
  .replace('name: web\n  namespace', 'name: frozen\n  namespace')
  .replace('    tagpilot.io/automated: "true"\n', '    tagpilot.io/automated: "true"\n    tagpilot.io/locked: "true"\n    tagpilot.io/locked-by: ana\n    tagpilot.io/locked-reason: incident 42\n');

export const kustomization = 'images:\n- name: api\n  newTag: "2.0"\n';
