import { watch, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface WatchOptions {
  /** Read the file this often whatever the watcher says (a mount that sends no events). */
  pollMs?: number;
  /** Events closer than this are one change (an editor's write-rename, a ConfigMap's swap). */
  settleMs?: number;
}

/**
 * Calls `changed` with the file's new text each time its content changes: the directory is
 * watched (a Kubernetes ConfigMap mount swaps a `..data` symlink, so the file itself never
 * changes in place) and the file is read again every `pollMs` as a backstop. Content, not
 * timestamps, decides: a touch is no change. A file that cannot be read is `changed(undefined, error)`.
 */
export function watchConfigFile(path: string, changed: (text: string | undefined, error?: Error) => void, initial: string, options: WatchOptions = {}): { close(): void } {
  let last = digest(initial);
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    timer = undefined;
    try {
      const text = await readFile(path, 'utf8');
      lastError = undefined;
      const now = digest(text);
      if (now === last) return;
      last = now;
      changed(text);
    } catch (error) {
      const message = (error as Error).message;
      // Said once per failure, not at every poll.
      if (message === lastError) return;
      lastError = message;
      changed(undefined, error as Error);
    }
  };
  const soon = () => {
    if (timer === undefined) timer = setTimeout(() => void check(), options.settleMs ?? 100);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(path) || name.startsWith('..')) soon();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No watcher (an unusual filesystem): the poll still sees every change.
  }
  const poll = setInterval(soon, options.pollMs ?? 5_000);
  poll.unref();
  return {
    close() {
      clearInterval(poll);
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
