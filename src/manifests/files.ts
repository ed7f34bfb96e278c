import { posix } from 'node:path';
import type { Problem, SourceFile } from './types.ts';
import { MAX_FILE_BYTES } from './find.ts';
import { isKustomizationFile } from './kustomize.ts';
import { fileProblem } from '../problems/index.ts';

/**
 * Which repository files are manifests, and turning their bytes into text. Pure, so the local
 * walk below and the Git side (reading blobs from a tree) apply the same rules.
 */

/** `*.yaml`, `*.yml`, `kustomization.yaml` and `Kustomization`, never inside `.git`. */
export function isManifestPath(path: string): boolean {
  if (path.split('/').includes('.git')) return false;
  return /\.ya?ml$/i.test(path) || isKustomizationFile(path);
}

/** True when `path` is one of `paths` or below one of them; `.` or `` means the whole repo. */
export function isUnderPaths(path: string, paths: readonly string[]): boolean {
  return paths.some((p) => {
    const base = posix.normalize(p).replace(/^\.\/?|\/+$/g, '');
    return base === '' || base === '.' || path === base || path.startsWith(`${base}/`);
  });
}

export type Decoded = { file: SourceFile } | { problem: Problem };

/** Size limit, binary check and strict UTF-8: what passes becomes a SourceFile (a BOM is kept). */
export function decodeManifest(path: string, bytes: Uint8Array, maxBytes = MAX_FILE_BYTES): Decoded {
  if (bytes.length > maxBytes) return { problem: fileProblem('file-too-large', path, `skipped: ${bytes.length} bytes, over the ${maxBytes} byte limit`) };
  if (bytes.subarray(0, 8000).includes(0)) return { problem: fileProblem('file-binary', path, 'skipped: binary file') };
  try {
    // ignoreBOM keeps the BOM in the text, so it survives edits byte for byte.
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return { file: { path, text } };
  } catch {
    return { problem: fileProblem('file-not-utf8', path, 'skipped: not UTF-8 text') };
  }
}
