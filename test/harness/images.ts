import { createHash } from 'node:crypto';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface SeedTag {
  tag: string;
  /** Build time written into the config blob. */
  created?: Date;
  /** `os/arch[/variant]`; more than one makes an index (manifest list). */
  platforms?: string[];
}

export interface SeedOptions {
  format?: 'oci' | 'docker';
  /** Basic credentials for a registry behind htpasswd, or a bearer token for one behind token auth. */
  auth?: { username: string; password: string } | { bearer: string };
  concurrency?: number;
}

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function blob(mediaType: string, bytes: Buffer): Blob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

/** Pushes one image per tag (its own config, so its own digest) into `repository`. Returns tag → digest. */
export async function seedTags(registryUrl: string, repository: string, tags: readonly SeedTag[], options: SeedOptions = {}): Promise<Map<string, string>> {
  const pusher = new Pusher(registryUrl, repository, options);
  const digests = new Map<string, string>();
  const queue = [...tags];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) digests.set(next.tag, await pusher.pushTag(next));
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return digests;
}

/** Shorthand: version tags with build times one minute apart, in the order given. */
export function versionTags(names: readonly string[], start = new Date('2024-01-01T00:00:00Z')): SeedTag[] {
  return names.map((tag, i) => ({ tag, created: new Date(start.getTime() + i * 60_000) }));
}

class Pusher {
  /** Uploads by digest, shared: a worker must wait for a layer another worker is still uploading. */
  private readonly pushed = new Map<string, Promise<void>>();
  private readonly format: 'oci' | 'docker';
  private readonly headers: Record<string, string>;
  private readonly layer: Blob;
  private readonly url: string;
  private readonly repository: string;

  constructor(url: string, repository: string, options: SeedOptions) {
    this.url = url;
    this.repository = repository;
    this.format = options.format ?? 'oci';
    this.headers = authorization(options.auth);
    this.layer = blob(this.format === 'oci' ? MEDIA.ociLayer : MEDIA.dockerLayer, Buffer.from(`layer of ${repository}`));
  }

  async pushTag(seed: SeedTag): Promise<string> {
    const platforms = seed.platforms ?? ['linux/amd64'];
    const children = [];
    for (const platform of platforms) children.push({ platform, manifest: await this.pushImageManifest(seed, platform) });
    if (seed.platforms === undefined || platforms.length < 1) return this.putManifest(seed.tag, children[0]!.manifest);
    const index = {
      schemaVersion: 2,
      mediaType: this.format === 'oci' ? MEDIA.ociIndex : MEDIA.dockerList,
      manifests: children.map(({ platform, manifest }) => ({
        mediaType: manifest.mediaType,
        digest: manifest.digest,
        size: manifest.size,
        platform: platformObject(platform),
      })),
    };
    return this.putManifest(seed.tag, blob(index.mediaType, Buffer.from(JSON.stringify(index))));
  }

  private async pushImageManifest(seed: SeedTag, platform: string): Promise<Blob> {
    const { os, architecture, variant } = platformObject(platform);
    const configJson = {
      created: (seed.created ?? new Date('2024-01-01T00:00:00Z')).toISOString(),
      architecture,
      os,
      ...(variant === undefined ? {} : { variant }),
      config: { Labels: { 'org.tagpilot.test.tag': seed.tag } },
      rootfs: { type: 'layers', diff_ids: [sha256(this.layer.bytes)] },
    };
    const config = blob(this.format === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig, Buffer.from(JSON.stringify(configJson)));
    await this.pushBlob(this.layer);
    await this.pushBlob(config);
    const mediaType = this.format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
    const manifest = {
      schemaVersion: 2,
      mediaType,
      config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
      layers: [{ mediaType: this.layer.mediaType, digest: this.layer.digest, size: this.layer.size }],
    };
    const body = blob(mediaType, Buffer.from(JSON.stringify(manifest)));
    await this.putManifest(body.digest, body);
    return body;
  }

  private pushBlob(b: Blob): Promise<void> {
    let upload = this.pushed.get(b.digest);
    if (upload === undefined) this.pushed.set(b.digest, (upload = this.upload(b)));
    return upload;
  }

  private async upload(b: Blob): Promise<void> {
    const start = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`);
    const location = start.headers.get('location');
    if (location === null) throw new Error(`registry gave no upload location for ${this.repository}`);
    const target = new URL(location, this.url);
    target.searchParams.set('digest', b.digest);
    await this.request('PUT', target.toString(), b.bytes, 'application/octet-stream');
  }

  private async putManifest(reference: string, manifest: Blob): Promise<string> {
    await this.request('PUT', `/v2/${this.repository}/manifests/${reference}`, manifest.bytes, manifest.mediaType);
    return manifest.digest;
  }

  private async request(method: string, path: string, body?: Buffer, contentType?: string): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const response = await fetch(new URL(path, this.url), { method, headers, body });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    return response;
  }
}

function platformObject(platform: string): { os: string; architecture: string; variant?: string } {
  const [os = 'linux', architecture = 'amd64', variant] = platform.split('/');
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

function authorization(auth: SeedOptions['auth']): Record<string, string> {
  if (auth === undefined) return {};
  if ('bearer' in auth) return { authorization: `Bearer ${auth.bearer}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}
