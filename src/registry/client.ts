import { request, type Dispatcher } from 'undici';
import { isValidTag, repositoryName, type ImageRef } from '../image/ref.ts';
import type { TagInfo } from '../policy/types.ts';
import { endpointFor, type RegistrySettings } from './endpoint.ts';
import { RegistryError } from './errors.ts';

export interface RegistryClientOptions {
  registries?: readonly RegistrySettings[];
  /** Connect and header timeout, and the body timeout, per request. */
  timeoutMs?: number;
  /** The largest response body read; a larger one is an error, not a memory blow-up. */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
}

export interface TagList {
  tags: TagInfo[];
  /** Tags the registry returned that are not valid OCI tags; dropped before any use. */
  invalid: string[];
}

export class RegistryClient {
  private readonly registries: readonly RegistrySettings[];
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly dispatcher: Dispatcher | undefined;

  constructor(options: RegistryClientOptions = {}) {
    this.registries = options.registries ?? [];
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
    this.dispatcher = options.dispatcher;
  }

  async listTags(ref: ImageRef): Promise<TagList> {
    const name = repositoryName(ref);
    const endpoint = endpointFor(ref, this.registries);
    const body = await this.getJson(name, `${endpoint.base}/v2/${endpoint.path}/tags/list`);
    const tags = parseTagList(name, body);
    return { tags: tags.filter(isValidTag).map((tag) => ({ tag })), invalid: tags.filter((tag) => !isValidTag(tag)) };
  }

  private async getJson(name: string, url: string): Promise<unknown> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        headers: { accept: 'application/json' },
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      throw new RegistryError(name, `cannot reach registry at ${new URL(url).host}: ${describe(error)}`, { cause: error });
    }
    const text = await readBounded(name, response, this.maxBodyBytes);
    if (response.statusCode !== 200) throw new RegistryError(name, `registry answered ${response.statusCode} for the tag list`);
    try {
      return JSON.parse(text);
    } catch {
      throw new RegistryError(name, 'registry sent a tag list that is not JSON');
    }
  }
}

async function readBounded(name: string, response: Dispatcher.ResponseData, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.body.destroy();
      throw new RegistryError(name, `registry response exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseTagList(name: string, body: unknown): string[] {
  if (typeof body !== 'object' || body === null) throw new RegistryError(name, 'tag list is not a JSON object');
  const tags = (body as { tags?: unknown }).tags;
  if (tags === null || tags === undefined) return [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new RegistryError(name, 'tag list "tags" is not an array of strings');
  return tags;
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  return code ?? (error as Error).message;
}
