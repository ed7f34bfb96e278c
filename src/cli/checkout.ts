import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from './io.ts';

/** The `--repo` directory, resolved against the working directory; a missing one is a usage error. */
export async function checkoutDir(cwd: string, repo: string): Promise<string> {
  const dir = resolve(cwd, repo);
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) throw new UsageError(`--repo ${repo}: the directory does not exist`);
  if (!info.isDirectory()) throw new UsageError(`--repo ${repo}: not a directory`);
  return dir;
}
