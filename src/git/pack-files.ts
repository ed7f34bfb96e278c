/**
 * The pack files of one clone, read at offsets with at most MAX_OPEN_PACKS of them open at once.
 * A clone gathers a pack per fetch that brings something (up to GitRepo's maxPacks before it is
 * cloned afresh), so a descriptor per pack would climb with them; instead the least recently
 * read pack is closed when another must be opened, as git does when it runs short of
 * descriptors. A cycle reads a few packs (the newest trees and the files changed since the
 * clone), so a small bound rarely closes one that is read again soon.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import { TagpilotError } from '../problems/index.ts';

/** Pack descriptors one clone holds open at most. */
export const MAX_OPEN_PACKS = 8;
/** Reads up to this size share one buffer; a larger one (one big object) gets its own, so the shared one never grows. */
const SCRATCH_BYTES = 64 * 1024;

export class PackFiles {
  /**
   * Plain descriptors by path, read synchronously (local disk, a few bytes or one object at a
   * time): a FileHandle left for the garbage collector warns, and a short CLI run never closes
   * its repo.
   */
  private readonly open: LRUCache<string, number>;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

  constructor(max = MAX_OPEN_PACKS) {
    this.open = new LRUCache<string, number>({ max, dispose: (fd) => closeSync(fd) });
  }

  /**
   * `length` bytes of the pack at `path` from `position` (fewer at its end), in a buffer the
   * next read may reuse: callers consume them at once (inflate or parse) without awaiting
   * anything in between. `size` is the pack's size when its index was read: a pack that changed
   * since is refused as damaged.
   */
  read(path: string, size: number, position: number, length: number): Buffer {
    const fd = this.descriptor(path, size);
    const wanted = Math.max(length, 0);
    const into = wanted <= this.scratch.length ? this.scratch : Buffer.allocUnsafe(wanted);
    return into.subarray(0, readSync(fd, into, 0, wanted, position));
  }

  /** Closes the pack's descriptor, if open: a pack the clone no longer has. */
  forget(path: string): void {
    this.open.delete(path);
  }

  /** Closes every descriptor. */
  closeAll(): void {
    this.open.clear();
  }

  private descriptor(path: string, size: number): number {
    const known = this.open.get(path);
    if (known !== undefined) return known;
    const fd = openSync(path, 'r');
    const now = fstatSync(fd).size;
    if (now !== size) {
      closeSync(fd);
      throw new TagpilotError('object-corrupt', `${path} is ${now} bytes, not the ${size} it was when its index was read`, { data: { size, now } });
    }
    this.open.set(path, fd);
    return fd;
  }
}
