import { splitPktLines } from './pkt-line.ts';
import { GitError } from './remote.ts';
import { collectBody, type TransportSession } from './transport.ts';

/** Servers (GitHub among them) want a user agent starting with `git/` on the smart protocol. */
export const AGENT = 'git/tagpilot';

export type Service = 'git-upload-pack' | 'git-receive-pack';

export interface Advertisement {
  refs: Map<string, string>;
  capabilities: Set<string>;
}

/** GET …/info/refs?service=S: the refs and capabilities of a protocol v0 advertisement. */
export async function discover(session: TransportSession, url: string, service: Service, what: string): Promise<Advertisement> {
  const res = await session.http.request({ url: `${url}/info/refs?service=${service}`, method: 'GET', headers: { 'user-agent': AGENT } });
  const body = (await collectBody(res.body)) ?? Buffer.alloc(0);
  const refused = res.statusCode === 401 || res.statusCode === 403;
  if (res.statusCode !== 200) throw new GitError(`${what} failed: HTTP ${res.statusCode}${refused ? ' (credentials refused)' : ''}`, { code: refused ? 'git-auth-failed' : 'git-remote-error', data: { status: res.statusCode } });
  return parseAdvertisement(body);
}

/** POST …/S with a request body; returns the whole response body. */
export async function post(session: TransportSession, url: string, service: Service, body: Buffer, what: string): Promise<Buffer> {
  const res = await session.http.request({
    url: `${url}/${service}`,
    method: 'POST',
    headers: { 'content-type': `application/x-${service}-request`, accept: `application/x-${service}-result`, 'user-agent': AGENT },
    // isomorphic-git's type asks for an iterator; any iterable of chunks does.
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  const response = (await collectBody(res.body)) ?? Buffer.alloc(0);
  if (res.statusCode !== 200) throw new GitError(`${what} failed: HTTP ${res.statusCode}`, { code: 'git-remote-error', data: { status: res.statusCode } });
  return response;
}

/** The refs and capabilities of a v0 ref advertisement (the HTTP `# service=` header skipped). */
export function parseAdvertisement(body: Buffer): Advertisement {
  const refs = new Map<string, string>();
  const capabilities = new Set<string>();
  for (const line of splitPktLines(body)) {
    if (line === null) continue;
    const text = line.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('# service=')) continue;
    const [refPart, caps] = text.split('\0');
    if (caps !== undefined) for (const c of caps.split(' ')) capabilities.add(c);
    const [oid, name] = (refPart ?? '').split(' ');
    if (oid !== undefined && name !== undefined && /^[0-9a-f]{40}$/.test(oid)) refs.set(name, oid);
  }
  return { refs, capabilities };
}
