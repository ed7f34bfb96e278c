import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { request } from 'undici';
import { STATUS_DOCUMENT, type StatusDocument } from '../../server/index.ts';
import { TagpilotError } from '../../problems/index.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { table } from '../table.ts';

/**
 * `tagpilot status --server URL [--token-file FILE] [--json]`: what a running controller's
 * status page shows, read from its JSON API (docs/status-page.md).
 */
export interface StatusOptions {
  server: string;
  tokenFile?: string;
  json?: boolean;
}

/** A status document larger than this is refused: the API of a big fleet is some MiB. */
export const MAX_STATUS_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

export async function status(options: StatusOptions, io: CliIo): Promise<number> {
  const url = apiUrl(options.server);
  const token = options.tokenFile === undefined ? io.env.TAGPILOT_STATUS_TOKEN : (await readFile(resolve(io.cwd, options.tokenFile), 'utf8')).trim();
  const document = await fetchStatus(url, token);
  if (options.json) {
    io.out.write(`${JSON.stringify(document, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out.write(render(document));
  return document.automations.some((a) => a.last?.result === 'failed') ? EXIT.failed : EXIT.ok;
}

function apiUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server: "${server}" is not a URL (e.g. http://tagpilot.tagpilot-system:8080/status)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server: ${url.protocol} is not http or https`);
  return new URL('api/v1/status', url.href.endsWith('/') ? url : `${url.href}/`);
}

async function fetchStatus(url: URL, token: string | undefined): Promise<StatusDocument> {
  const failed = (why: string) => new TagpilotError('status-api-failed', `${url.origin}: ${why}`);
  let reply: Awaited<ReturnType<typeof request>>;
  try {
    reply = await request(url, { headers: { accept: 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  } catch (error) {
    throw failed(`cannot reach the status API: ${(error as Error).message}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of reply.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STATUS_BYTES) {
      reply.body.destroy();
      throw failed(`the status document is larger than ${MAX_STATUS_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  if (reply.statusCode === 401) throw failed('401: the status API wants a token (TAGPILOT_STATUS_TOKEN or --token-file)');
  if (reply.statusCode !== 200) throw failed(`the status API answered ${reply.statusCode}`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw failed('the status API answered with something that is not JSON');
  }
  const parsed = STATUS_DOCUMENT.safeParse(json);
  if (!parsed.success) throw failed(`the status API answered with a document tagpilot does not read: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** Text from Git and registries, safe for a terminal: no control characters (escape sequences). */
function safe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function render(d: StatusDocument): string {
  const parts: string[] = [];
  for (const a of d.automations) {
    const last = a.last === undefined ? 'no cycle yet' : `last cycle ${a.last.startedAt}: ${a.last.result}${a.last.commit === undefined ? '' : ` ${a.last.commit.slice(0, 12)}`}${a.last.error === undefined ? '' : ` (${a.last.error.code}: ${a.last.error.message})`}`;
    const next = a.nextAt === undefined ? '' : `, next ${a.nextAt}`;
    parts.push(safe(`${a.name}: ${a.running ? 'running; ' : ''}${last}${next}`) + '\n');
    if (a.slots.length === 0) continue;
    const rows = a.slots.map((s) => [s.workload ?? s.file, s.container ?? '-', s.repository, s.current, s.candidate ?? '-', s.hold === undefined ? s.status : `${s.status}: ${s.hold.kind}`, s.hold === undefined ? '' : holdText(s.hold)].map(safe));
    parts.push(table(['WORKLOAD', 'CONTAINER', 'IMAGE', 'CURRENT', 'CANDIDATE', 'STATE', 'WHY'], rows));
  }
  if (d.registries.length > 0)
    parts.push(
      table(
        ['REGISTRY', 'REQUESTS', 'ERRORS', '429S', 'PAUSED UNTIL'],
        d.registries.map((r) => [r.host, String(r.requests), String(r.errors), String(r.rateLimited), r.pausedUntil ?? '-'].map(safe)),
      ),
    );
  return parts.length === 0 ? 'No automations.\n' : parts.join('\n');
}

function holdText(h: NonNullable<StatusDocument['automations'][number]['slots'][number]['hold']>): string {
  return [h.reason, h.by === undefined ? '' : `by ${h.by}`, h.since === undefined ? '' : `since ${h.since}`, h.until === undefined ? '' : `until ${h.until}`].filter((t) => t !== '').join(' ');
}
