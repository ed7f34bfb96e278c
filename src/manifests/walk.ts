import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MAX_FILE_BYTES } from './find.ts';
import { decodeManifest, isManifestPath } from './files.ts';
import type { Problem, SourceFile } from './types.ts';
import { fileProblem } from '../problems/index.ts';

export interface RepoFiles {
  files: SourceFile[];
  problems: Problem[];
}

/**
 * Reads the manifests of a local checkout below `paths` (relative to `dir`), in path order.
 * Symlinks are followed only to files inside the checkout; `.git` is never entered.
 */
export async function readRepoFiles(dir: string, paths: readonly string[] = ['.']): Promise<RepoFiles> {
  const root = await realpath(dir);
  const seen = new Map<string, SourceFile>();
  const problems: Problem[] = [];
  for (const path of paths) {
    const start = join(root, path);
    if (!(start === root || start.startsWith(root + sep))) {
      problems.push(fileProblem('path-invalid', path, 'skipped: path leaves the repository'));
      continue;
    }
    const info = await lstat(start).catch(() => undefined);
    if (info === undefined) problems.push(fileProblem('path-missing', path, 'skipped: no such path'));
    else if (info.isDirectory()) await walk(root, start, seen, problems);
    else await readOne(root, start, relPath(root, start), seen, problems);
  }
  const files = [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}

function relPath(root: string, full: string): string {
  return relative(root, full).split(sep).join('/');
}

async function walk(root: string, dir: string, seen: Map<string, SourceFile>, problems: Problem[]): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (name === '.git') continue;
    const full = join(dir, name);
    const info = await lstat(full);
    // Symlinked directories are not followed: they can loop, and the files they hold are reachable anyway.
    if (info.isDirectory()) await walk(root, full, seen, problems);
    else if (isManifestPath(relPath(root, full))) await readOne(root, full, relPath(root, full), seen, problems);
  }
}

async function readOne(root: string, full: string, rel: string, seen: Map<string, SourceFile>, problems: Problem[]): Promise<void> {
  if (seen.has(rel)) return;
  const target = await realpath(full).catch(() => undefined);
  if (target === undefined) return void problems.push(fileProblem('path-missing', rel, 'skipped: broken symlink'));
  if (!target.startsWith(root + sep)) return void problems.push(fileProblem('path-invalid', rel, 'skipped: symlink leaves the repository'));
  const info = await stat(target);
  if (!info.isFile()) return;
  // Checked before reading, so a huge file never enters memory.
  if (info.size > MAX_FILE_BYTES) return void problems.push(fileProblem('file-too-large', rel, `skipped: ${info.size} bytes, over the ${MAX_FILE_BYTES} byte limit`));
  const decoded = decodeManifest(rel, await readFile(target));
  if ('file' in decoded) seen.set(rel, decoded.file);
  else problems.push(decoded.problem);
}
