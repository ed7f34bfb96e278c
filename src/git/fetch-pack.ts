import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storePack } from './index-pack.ts';
import { DEFAULT_GIT_LIMITS, limitHit, type GitLimits } from './limits.ts';
import type { ObjectReader } from './object-reader.ts';
import { FLUSH, pktLine, splitPktLines } from './pkt-line.ts';
import { AGENT, discover, post } from './protocol.ts';
import { GitError, inCache } from './remote.ts';
import type { TransportSession } from './transport.ts';

export interface FetchRequest {
  gitdir: string;
  url: string;
  /** Full ref name on the remote, e.g. `refs/heads/main`. */
  ref: string;
  /** Ask for a history this deep from the head (1 for the first clone); undefined fetches incrementally. */
  depth?: number;
  /** Ask for the history back to this time (deepening a shallow clone for `history`). */
  since?: Date;
  /** Commits we have (sent as `have`), so the remote sends only what is new. */
  haves: readonly string[];
  description: string;
  /** isomorphic-git's object cache for this repository (pack indexes already read). */
  cache?: object;
  /** The clone's object reader: what we hold is looked up through it (its packs, its bounded descriptors). */
  reader: ObjectReader;
  limits?: GitLimits;
}

/** Advertisements a fetch reads when the ref keeps moving before its want arrives. */
const FETCH_ATTEMPTS = 3;

/**
 * git's upload-pack protocol (v0, stateless: one advertisement, one request) over the session's
 * http-shaped client. Returns the remote head of `ref`, or undefined when the ref does not exist.
 * Nothing is downloaded when we already hold the head; otherwise the pack is indexed by
 * `storePack` and the shallow boundary updated.
 *
 * The advertisement and the want are two requests: another writer (a second replica rebuilding a
 * review branch) may move or delete the ref in between, and the server then refuses a want that
 * no ref reaches any more ("not our ref"), as git http-backend, GitHub and GitLab do. That is a
 * lost race, not a broken remote: a fresh advertisement is read and the new head fetched, a few
 * times at most (`git-ref-moving` past that).
 */
export async function fetchPack(session: TransportSession, request: FetchRequest): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(session, request);
    } catch (error) {
      if (!(error instanceof WantRefused)) throw error;
      session.signal?.throwIfAborted();
      if (attempt >= FETCH_ATTEMPTS) throw new GitError(`fetch from ${request.description}: ${request.ref} moved on the remote during each of ${FETCH_ATTEMPTS} fetches (${error.message})`, { code: 'git-ref-moving', data: { ref: request.ref, attempts: FETCH_ATTEMPTS } });
    }
  }
}

/** The server refused our want: the ref it advertised moved or went away before our request came. */
class WantRefused extends Error {}

/** upload-pack's words for a want no ref reaches (git's upload-pack.c). */
const NOT_OUR_REF = /\bnot our ref [0-9a-f]{40}\b/;

async function fetchOnce(session: TransportSession, request: FetchRequest): Promise<string | undefined> {
  const what = `fetch from ${request.description}`;
  const { refs, capabilities } = await discover(session, request.url, 'git-upload-pack', what);
  const head = refs.get(request.ref);
  if (head === undefined) return undefined;
  const deepen = request.depth !== undefined || request.since !== undefined;
  if (!deepen && (await hasObject(request.reader, head))) return head;
  const shallow = await readShallow(request.gitdir);
  // thin-pack: deltas against objects we hold, as git asks; storePack completes the pack.
  const caps = ['side-band-64k', 'ofs-delta', 'thin-pack', 'shallow', 'no-progress'].filter((c) => capabilities.has(c));
  if (!caps.includes('side-band-64k')) throw new GitError(`${request.description}: the remote does not offer side-band-64k`, { code: 'git-protocol' });
  const lines = [pktLine(`want ${head} ${[...caps, `agent=${AGENT}`].join(' ')}\n`)];
  if (capabilities.has('shallow')) for (const oid of shallow) lines.push(pktLine(`shallow ${oid}\n`));
  if (request.depth !== undefined) lines.push(pktLine(`deepen ${request.depth}\n`));
  if (request.since !== undefined) lines.push(pktLine(`deepen-since ${Math.floor(request.since.getTime() / 1000)}\n`));
  lines.push(FLUSH);
  for (const oid of request.haves) lines.push(pktLine(`have ${oid}\n`));
  lines.push(pktLine('done\n'));
  const body = await post(session, request.url, 'git-upload-pack', Buffer.concat(lines), what);
  const { pack, shallowAdded, unshallowed } = parseResponse(body, request.description);
  const limits = request.limits ?? DEFAULT_GIT_LIMITS;
  if (pack.length > limits.packBytes) throw limitHit('pack-too-large', 'packBytes', limits.packBytes, `${what}: the pack is larger`);
  // Past the operation's deadline nothing more is written.
  session.signal?.throwIfAborted();
  await inCache('store the pack', () => storePack(request.gitdir, pack, (oid) => readLocal(request.reader, oid), limits)).catch((error: Error) => {
    if (error instanceof GitError) error.message = `${what}: ${error.message}`;
    throw error;
  });
  session.signal?.throwIfAborted();
  if (shallowAdded.length > 0 || unshallowed.length > 0) await inCache('write its shallow list', () => writeShallow(request.gitdir, [...shallow.filter((s) => !unshallowed.includes(s)), ...shallowAdded]));
  return head;
}

/**
 * The response: shallow updates (when we sent shallow lines or deepen) ending in a flush, the
 * ACK/NAK, then the pack on side-band 1 (band 2 is progress, band 3 a fatal error).
 */
function parseResponse(body: Buffer, description: string): { pack: Buffer; shallowAdded: string[]; unshallowed: string[] } {
  const shallowAdded: string[] = [];
  const unshallowed: string[] = [];
  const pack: Buffer[] = [];
  let negotiated = false;
  for (const line of splitPktLines(body)) {
    if (line === null) continue;
    if (!negotiated) {
      const text = line.toString('utf8').trim();
      if (text.startsWith('shallow ')) shallowAdded.push(text.slice(8));
      else if (text.startsWith('unshallow ')) unshallowed.push(text.slice(10));
      else if (text === 'NAK' || text.startsWith('ACK ')) negotiated = true;
      else if (text.startsWith('ERR ')) throw remoteError(text.slice(4), description);
      continue;
    }
    const band = line[0];
    if (band === 1) pack.push(line.subarray(1));
    else if (band === 3) throw remoteError(line.subarray(1).toString('utf8').trim(), description);
  }
  return { pack: Buffer.concat(pack), shallowAdded, unshallowed };
}

function remoteError(message: string, description: string): Error {
  if (NOT_OUR_REF.test(message)) return new WantRefused(message);
  return new GitError(`fetch from ${description} failed: ${message}`, { code: 'git-remote-error' });
}

/** A thin pack's base is some object of ours; bigger ones are not read to complete it. */
const MAX_BASE_BYTES = 256 * 1024 * 1024;

/** Thin-pack bases we hold, read at pack offsets (isomorphic-git would load whole packs). */
async function readLocal(reader: ObjectReader, oid: string): Promise<{ type: string; data: Buffer } | undefined> {
  try {
    return await reader.read(oid, MAX_BASE_BYTES);
  } catch {
    return undefined;
  }
}

async function hasObject(reader: ObjectReader, oid: string): Promise<boolean> {
  try {
    await reader.header(oid);
    return true;
  } catch {
    return false;
  }
}

async function readShallow(gitdir: string): Promise<string[]> {
  const text = await readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l));
}

async function writeShallow(gitdir: string, oids: readonly string[]): Promise<void> {
  await writeFile(join(gitdir, 'shallow'), [...new Set(oids)].map((o) => `${o}\n`).join(''));
}
