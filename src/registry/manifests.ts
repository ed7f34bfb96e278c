import { createHash } from 'node:crypto';
import { isValidDigest } from '../image/index.ts';
import { TransportError } from './errors.ts';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** All four, always: a registry missing one in Accept may convert or refuse a manifest. */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(', ');

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** What a policy may need to know about an image beyond its tag. Immutable per digest. */
export interface ImageMetadata {
  /** Build time, ISO 8601. */
  created?: string;
  /** Normalised platforms: `linux/amd64`, `linux/arm64/v8`. */
  platforms: string[];
}

export type Manifest = { kind: 'index'; children: { digest: string; platform?: string }[]; created?: string } | { kind: 'image'; config: string; created?: string };

/** Throws unless `body` hashes to `digest`: a registry (or anything between) cannot swap content. */
export function verifyDigest(body: Buffer, digest: string, what: string): void {
  if (!digest.startsWith('sha256:')) throw new TransportError(`${what}: unsupported digest algorithm in ${digest.slice(0, 80)}`, false);
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (actual !== digest) throw new TransportError(`${what}: content does not match its digest ${digest}`, false);
}

export function sha256Digest(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Parses a manifest already checked against its digest. */
export function readManifest(body: Buffer, contentType: string | undefined, what: string): Manifest {
  const json = parseJson(body, what) as {
    mediaType?: unknown;
    manifests?: unknown;
    config?: { digest?: unknown };
    annotations?: Record<string, unknown>;
  };
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : (contentType?.split(';')[0]?.trim() ?? '');
  const created = readCreated(json.annotations?.[CREATED_ANNOTATION]);
  if (INDEX_TYPES.has(mediaType) || (mediaType === '' && Array.isArray(json.manifests))) {
    if (!Array.isArray(json.manifests)) throw new TransportError(`${what}: index without "manifests"`, false);
    const children = json.manifests.flatMap((entry: { digest?: unknown; platform?: unknown }) => (typeof entry?.digest === 'string' && isValidDigest(entry.digest) ? [{ digest: entry.digest, platform: normalisePlatform(entry.platform) }] : []));
    return { kind: 'index', children, created };
  }
  const config = json.config?.digest;
  if (typeof config !== 'string' || !isValidDigest(config)) throw new TransportError(`${what}: manifest (${mediaType || 'no media type'}) without a config digest`, false);
  return { kind: 'image', config, created };
}

/** Reads `created` and the platform from an image config blob. */
export function readConfig(body: Buffer, what: string): { created?: string; platform?: string } {
  const json = parseJson(body, what) as { created?: unknown; os?: unknown; architecture?: unknown; variant?: unknown };
  return { created: readCreated(json.created), platform: normalisePlatform(json) };
}

/**
 * `os/arch[/variant]`, normalised as containerd does: `arm64` is `arm64/v8`, `arm` is `arm/v7`.
 * Attestation entries (`unknown/unknown`) are not platforms.
 */
export function normalisePlatform(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { os, architecture, variant } = value as { os?: unknown; architecture?: unknown; variant?: unknown };
  if (typeof os !== 'string' || typeof architecture !== 'string' || os === 'unknown' || architecture === 'unknown') return undefined;
  const plain = /^[A-Za-z0-9._-]{1,64}$/;
  if (!plain.test(os) || !plain.test(architecture)) return undefined;
  const arch = architecture.toLowerCase();
  const given = typeof variant === 'string' && plain.test(variant) ? variant.toLowerCase() : undefined;
  const normalVariant = given ?? (arch === 'arm64' ? 'v8' : arch === 'arm' ? 'v7' : undefined);
  return [os.toLowerCase(), arch, normalVariant].filter((p) => p !== undefined).join('/');
}

function readCreated(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

function parseJson(body: Buffer, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TransportError(`${what}: not JSON`, false);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TransportError(`${what}: not a JSON object`, false);
  return json as Record<string, unknown>;
}

/** How to reach manifests and blobs by digest; each answer is verified against the digest by the caller. */
export interface ContentSource {
  manifest(digest: string): Promise<{ body: Buffer; contentType?: string }>;
  blob(digest: string): Promise<Buffer>;
}

/**
 * Build time and platforms for one digest. An index gives its platforms directly; its build time
 * comes from its annotation or from one child (linux/amd64 preferred): children of one build share it.
 */
export async function fetchMetadata(digest: string, source: ContentSource): Promise<ImageMetadata> {
  const top = await loadManifest(digest, source);
  if (top.kind === 'image') {
    const config = readConfig(verified(await source.blob(top.config), top.config, `config ${top.config}`), `config ${top.config}`);
    return { created: top.created ?? config.created, platforms: config.platform === undefined ? [] : [config.platform] };
  }
  const platforms = [...new Set(top.children.flatMap((c) => (c.platform === undefined ? [] : [c.platform])))].sort();
  if (top.created !== undefined) return { created: top.created, platforms };
  const child = top.children.find((c) => c.platform === 'linux/amd64') ?? top.children.find((c) => c.platform !== undefined);
  if (child === undefined) return { platforms };
  const image = await loadManifest(child.digest, source);
  if (image.kind !== 'image') return { platforms }; // nested indexes: no build time rather than a deep walk
  if (image.created !== undefined) return { created: image.created, platforms };
  const config = readConfig(verified(await source.blob(image.config), image.config, `config ${image.config}`), `config ${image.config}`);
  return { created: config.created, platforms };
}

async function loadManifest(digest: string, source: ContentSource): Promise<Manifest> {
  const { body, contentType } = await source.manifest(digest);
  return readManifest(verified(body, digest, `manifest ${digest}`), contentType, `manifest ${digest}`);
}

function verified(body: Buffer, digest: string, what: string): Buffer {
  verifyDigest(body, digest, what);
  return body;
}
