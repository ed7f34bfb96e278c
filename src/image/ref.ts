/**
 * Docker image references as written in manifests: `[host[:port]/]path[:tag][@digest]`.
 * Parsing keeps the text as written (so edits write back what the user wrote); canonical names,
 * with Docker Hub's shorthand expanded, are what caches and credentials are keyed by.
 */
import { TagpilotError } from '../problems/index.ts';

export interface ImageRef {
  /** Registry host as written (`ghcr.io`, `127.0.0.1:5000`), or undefined for Docker Hub shorthand. */
  host?: string;
  /** Repository path without host: `library/nginx`, `org/app`, or `nginx` as written. */
  path: string;
  tag?: string;
  digest?: string;
}

export class ImageRefError extends TagpilotError {
  override name = 'ImageRefError';

  constructor(message: string, options?: ErrorOptions) {
    super('image-invalid', message, options);
  }
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
/** The reference grammar caps the name (host and path) at 255 characters. */
const MAX_NAME = 255;

/** Docker Hub's canonical host name, as Docker's own tools print it. */
export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** A digest the registry layer can verify: sha256 only, which every registry uses. */
export function isValidDigest(digest: string): boolean {
  return DIGEST.test(digest) && (!digest.startsWith('sha256:') || SHA256.test(digest));
}

export function parseImageRef(text: string): ImageRef {
  const fail = (why: string): never => {
    throw new ImageRefError(`invalid image reference "${text.length > 300 ? `${text.slice(0, 300)}…` : text}": ${why}`);
  };
  if (text.length === 0 || text.length > 4096) fail('empty or longer than 4096 characters');
  if (/\s/.test(text)) fail('contains whitespace');
  const [nameAndTag = '', digest, extra] = text.split('@');
  if (extra !== undefined) fail('more than one "@"');
  if (digest !== undefined && !isValidDigest(digest)) fail(`bad digest "${digest}"`);

  const slash = nameAndTag.indexOf('/');
  const first = slash < 0 ? '' : nameAndTag.slice(0, slash);
  // Docker's rule: the first component is a host only if it looks like one.
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
    if (!PATH_COMPONENT.test(part)) fail(`bad repository path component "${part}" (lowercase letters, digits and . _ __ - between them)`);
  }
  if ((host === undefined ? path.length : host.length + 1 + path.length) > MAX_NAME) fail(`name longer than ${MAX_NAME} characters`);
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

/** The registry a reference lives on, canonical: lowercase, Docker Hub's aliases folded to `docker.io`. */
export function canonicalHost(ref: ImageRef): string {
  const host = (ref.host ?? DOCKER_HUB).toLowerCase();
  return HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** The repository path on its registry: Docker Hub's official images live under `library/`. */
export function canonicalPath(ref: ImageRef): string {
  return canonicalHost(ref) === DOCKER_HUB && !ref.path.includes('/') ? `library/${ref.path}` : ref.path;
}

/**
 * The repository's one name however it is written (`nginx`, `docker.io/nginx`,
 * `index.docker.io/library/nginx` → `docker.io/library/nginx`): the key for caches.
 */
export function canonicalRepository(ref: ImageRef): string {
  return `${canonicalHost(ref)}/${canonicalPath(ref)}`;
}

/** The full reference in canonical form, tag and digest kept. */
export function canonicalImageRef(ref: ImageRef): string {
  return formatImageRef({ host: canonicalHost(ref), path: canonicalPath(ref), tag: ref.tag, digest: ref.digest });
}
