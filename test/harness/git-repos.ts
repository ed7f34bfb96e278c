import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs git for test setup and inspection (tagpilot itself never runs git). */
export function git(cwd: string, ...args: string[]): string {
  return runGit(cwd, args, 'inherit');
}

/** The same, with git's stderr dropped: for commands expected to fail now and then (a push that loses a race). */
export function gitQuiet(cwd: string, ...args: string[]): string {
  return runGit(cwd, args, 'ignore');
}

function runGit(cwd: string, args: string[], stderr: 'inherit' | 'ignore'): string {
  return execFileSync('git', args, {
    cwd,
    stdio: ['ignore', 'pipe', stderr],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: tmpdir(),
    },
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

/** Creates `<root>/<name>.git` (bare, branch `branch`) holding `files` in one commit. */
export function createBareRepo(root: string, name: string, files: Readonly<Record<string, string>>, branch = 'main'): string {
  const bare = join(root, `${name}.git`);
  git(root, 'init', '-q', '--bare', `--initial-branch=${branch}`, bare);
  // http-backend refuses pushes to the checked-out branch only in non-bare repos; allow pushes explicitly.
  git(bare, 'config', 'http.receivepack', 'true');
  // As on a protected branch: a force-push or a delete would be refused, so a test that passes
  // proves nothing was forced.
  git(bare, 'config', 'receive.denyNonFastForwards', 'true');
  git(bare, 'config', 'receive.denyDeletes', 'true');
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-seed-'));
  try {
    git(work, 'init', '-q', `--initial-branch=${branch}`);
    writeFiles(work, files);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'Initial manifests');
    git(work, 'push', '-q', bare, `HEAD:refs/heads/${branch}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bare;
}

/**
 * Commits `files` onto `branch` of a bare repo as a human would (clone, edit, push); a push
 * refused because the bot pushed in between is pulled with a rebase and pushed again, as a person does.
 */
export function humanCommit(bare: string, files: Readonly<Record<string, string>>, message: string, branch = 'main'): string {
  const work = mkdtempSync(join(tmpdir(), 'tagpilot-human-'));
  try {
    git(work, 'clone', '-q', '--branch', branch, bare, '.');
    writeFiles(work, files);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', message);
    for (let attempt = 1; ; attempt++) {
      try {
        git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
        break;
      } catch (error) {
        if (attempt === 5) throw error;
        git(work, 'pull', '-q', '--rebase', 'origin', branch);
      }
    }
    return git(work, 'rev-parse', 'HEAD').trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function writeFiles(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** Installs a server-side hook (e.g. `pre-receive`) in a bare repo; `script` is a shell script body. */
export function installHook(bare: string, name: string, script: string): void {
  const path = join(bare, 'hooks', name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
}

/**
 * Protects only `branch` as a host's branch protection does: non-fast-forward updates and
 * deletes of it are refused by an `update` hook; other branches (tagpilot's review branch) may
 * be rewritten.
 */
export function protectOnly(bare: string, branch: string): void {
  git(bare, 'config', 'receive.denyNonFastForwards', 'false');
  installHook(
    bare,
    'update',
    `[ "$1" = "refs/heads/${branch}" ] || exit 0
zero=0000000000000000000000000000000000000000
[ "$3" = "$zero" ] && { echo "protected: ${branch} may not be deleted" >&2; exit 1; }
[ "$2" = "$zero" ] && exit 0
git merge-base --is-ancestor "$2" "$3" || { echo "protected: ${branch} may not be force-pushed" >&2; exit 1; }`,
  );
}
