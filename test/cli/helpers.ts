import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../harness/cli.ts';
import { git as gitIn, writeFiles } from '../harness/git-repos.ts';
import { webDeployment } from '../fakes/web-manifest.ts';

/** Runs `tagpilot ARGS` with in-memory streams, in `cwd`, as author Test. */
export function run(args: string[], cwd: string): Promise<CliResult> {
  return runCli(args, { cwd, env: { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com' } });
}

/** A temp git repo holding `files`, committed; removed by the returned cleanup. */
export function repoWith(files: Record<string, string>): { dir: string; git: (...args: string[]) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-cli-'));
  writeFiles(dir, files);
  const git = (...args: string[]) => gitIn(dir, ...args);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'seed');
  return { dir, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const web = webDeployment({ image: 'ghcr.io/acme/web:1.0.0   # the site', sidecars: [{ name: 'proxy', image: 'envoyproxy/envoy:v1.29.1' }] });

export const locked = web.replace('name: web\n  namespace', 'name: frozen\n  namespace').replace('    tagpilot.io/automated: "true"\n', '    tagpilot.io/automated: "true"\n    tagpilot.io/locked: "true"\n    tagpilot.io/locked-by: ana\n    tagpilot.io/locked-reason: incident 42\n');

export const kustomization = 'images:\n- name: api\n  newTag: "2.0"\n';
