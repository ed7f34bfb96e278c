/**
 * Docker image references as written in manifests: `[host[:port]/]path[:tag][@digest]`.
 * Parsing keeps the text as written; canonical names for caches live next to the registry client.
 */
export interface ImageRef {
  /** Registry host as written (`ghcr.io`, `127.0.0.1:5000`), or undefined for Docker Hub shorthand. */
  host?: string;
  /** Repository path without host: `library/nginx`, `org/app`, or `nginx` as written. */
  path: string;
  tag?: string;
  digest?: string;
}

export class ImageRefError extends Error {
  override name = 'ImageRefError';
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function parseImageRef(text: string): ImageRef {
  const fail = (why: string): never => {
    throw new ImageRefError(`invalid image reference "${text}": ${why}`);
  };
  if (text.length === 0 || text.length > 4096) fail('empty or longer than 4096 characters');
  const [nameAndTag = '', digest, extra] = text.split('@');
  if (extra !== undefined) fail('more than one "@"');
  if (digest !== undefined && !DIGEST.test(digest)) fail(`bad digest "${digest}"`);

  const slash = nameAndTag.indexOf('/');
  const first = slash < 0 ? '' : nameAndTag.slice(0, slash);
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : undefined;
  if (host !== undefined && !HOST.test(host)) fail(`bad registry host "${host}"`);
  const rest = hasHost ? nameAndTag.slice(slash + 1) : nameAndTag;

  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? undefined : rest.slice(colon + 1);
  if (tag !== undefined && !TAG.test(tag)) fail(`bad tag "${tag}"`);
  if (path.length === 0) fail('no repository name');
  for (const part of path.split('/')) {
    if (!PATH_COMPONENT.test(part)) fail(`bad repository path component "${part}"`);
  }
  return { host, path, tag, digest };
}

export function formatImageRef(ref: ImageRef): string {
  const name = ref.host === undefined ? ref.path : `${ref.host}/${ref.path}`;
  return `${name}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The repository as written, without tag or digest: what users recognise in messages. */
export function repositoryName(ref: ImageRef): string {
  return ref.host === undefined ? ref.path : `${ref.host}/${ref.path}`;
}
