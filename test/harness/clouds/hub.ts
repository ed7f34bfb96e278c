import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listenLocal } from '../ports.ts';
import { reply } from './aws.ts';

export interface HubTag {
  name: string;
  last_updated: string;
  digest: string;
  images: { architecture: string; os: string; variant?: string | null; digest: string }[];
}

/**
 * A strict double of Docker Hub's tag API as documented: `GET /v2/namespaces/{ns}/repositories/{repo}/tags`
 * with `page_size` at most 100 and `page`, answered with `count`, absolute `next`/`previous` links
 * and `results`, and `ratelimit-limit`/`ratelimit-remaining`/`ratelimit-reset` headers on every
 * answer; past the limit, 429 with `retry-after`. Unknown repositories are 404.
 */
export class HubDouble {
  readonly requests: string[] = [];
  remaining: number;
  private readonly server: Server;
  private readonly repositories: Record<string, HubTag[]>;
  private readonly limit: number;
  resetAt = Math.floor(Date.now() / 1000) + 21_600;
  /** Where `next`/`previous` links point: this double, unless a test sends them elsewhere. */
  linkBase: string | undefined;

  private constructor(server: Server, repositories: Record<string, HubTag[]>, limit: number) {
    this.server = server;
    this.repositories = repositories;
    this.limit = limit;
    this.remaining = limit;
  }

  static async start(repositories: Record<string, HubTag[]>, limit = 180): Promise<HubDouble> {
    const double = new HubDouble(createServer(), repositories, limit);
    double.server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', double.url);
      double.requests.push(`${url.pathname}${url.search}`);
      const headers = { 'ratelimit-limit': String(double.limit), 'ratelimit-remaining': String(Math.max(0, double.remaining)), 'ratelimit-reset': String(double.resetAt) };
      if (double.remaining <= 0) return reply(res, 429, 'application/json', JSON.stringify({ message: 'rate limit exceeded' }), { ...headers, 'retry-after': '3600' });
      double.remaining--;
      headers['ratelimit-remaining'] = String(double.remaining);
      const match = /^\/v2\/namespaces\/([a-z0-9._-]+)\/repositories\/([a-z0-9._-]+)\/tags$/.exec(url.pathname);
      if (req.method !== 'GET' || match === null) return reply(res, 404, 'application/json', JSON.stringify({ message: 'not found' }), headers);
      const size = Number(url.searchParams.get('page_size') ?? '10');
      const page = Number(url.searchParams.get('page') ?? '1');
      if (!Number.isInteger(size) || size < 1 || size > 100 || !Number.isInteger(page) || page < 1) return reply(res, 400, 'application/json', JSON.stringify({ message: 'invalid page_size or page' }), headers);
      const tags = double.repositories[`${match[1]}/${match[2]}`];
      if (tags === undefined) return reply(res, 404, 'application/json', JSON.stringify({ message: 'object not found', errinfo: {} }), headers);
      const link = (p: number) => `${double.linkBase ?? double.url}${url.pathname}?page=${p}&page_size=${size}`;
      const results = tags.slice((page - 1) * size, page * size).map((t) => ({ ...t, tag_status: 'active', full_size: 1234, id: 1, repository: 1, creator: 1, last_updater: 1, last_updater_username: 'ci', v2: true, media_type: 'application/vnd.oci.image.index.v1+json', content_type: 'image' }));
      reply(res, 200, 'application/json', JSON.stringify({ count: tags.length, next: page * size < tags.length ? link(page + 1) : null, previous: page > 1 ? link(page - 1) : null, results }), headers);
    });
    await listenLocal(double.server);
    return double;
  }

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
