import { GitError, PushRejected } from './remote.ts';
import { FLUSH, pktLine, splitPktLines } from './pkt-line.ts';
import { packObjects, type NewObject } from './objects.ts';
import { AGENT, discover, post } from './protocol.ts';
import type { TransportSession } from './transport.ts';

export const ZERO_OID = '0'.repeat(40);

export interface RefUpdate {
  /** Full ref name, e.g. `refs/heads/main`. */
  ref: string;
  /** The head we built on (ZERO_OID for a branch that does not exist yet). */
  old: string;
  new: string;
}

/**
 * Pushes with git's receive-pack protocol (v0, over the session's http-shaped client: smart HTTP
 * or an SSH channel). The pack holds exactly the objects we created (the changed blobs, the trees
 * on their paths, the commit), so no tree is walked and nothing the remote has is sent. The update
 * is a compare-and-swap: `old` must still be the remote's head, here before sending and again in
 * receive-pack itself; nothing is ever forced.
 */
export async function receivePack(session: TransportSession, url: string, update: RefUpdate, objects: readonly NewObject[], description: string, pushOptions: readonly string[] = []): Promise<void> {
  const what = `push to ${description}`;
  const { refs, capabilities } = await discover(session, url, 'git-receive-pack', what);
  const current = refs.get(update.ref) ?? ZERO_OID;
  if (current !== update.old) throw new PushRejected(`push to ${description} rejected: the branch moved to ${current.slice(0, 12)}`, true);
  // Push options (`git push -o`, what AGit review servers read) need the server's consent.
  if (pushOptions.length > 0 && !capabilities.has('push-options')) throw new GitError(`push to ${description}: the server takes no push options (receive.advertisePushOptions is off)`);
  const wanted = ['report-status', 'side-band-64k', ...(pushOptions.length > 0 ? ['push-options'] : [])].filter((c) => capabilities.has(c));
  const sideBand = wanted.includes('side-band-64k');
  const command = pktLine(`${update.old} ${update.new} ${update.ref}\0${[...wanted, `agent=${AGENT}`].join(' ')}`);
  const options = pushOptions.length === 0 ? [] : [...pushOptions.map((o) => pktLine(o)), FLUSH];
  const body = await post(session, url, 'git-receive-pack', Buffer.concat([command, FLUSH, ...options, packObjects(objects)]), what);
  const { data, messages } = sideBand ? demux(body) : { data: body, messages: [] };
  checkReport(data, update.ref, messages, description);
}

/** Splits side-band-64k: band 1 is the report, band 2 what hooks print, band 3 a fatal error. */
function demux(body: Buffer): { data: Buffer; messages: string[] } {
  const data: Buffer[] = [];
  let progress = '';
  for (const line of splitPktLines(body)) {
    if (line === null || line.length === 0) continue;
    const band = line[0];
    if (band === 1) data.push(line.subarray(1));
    else if (band === 2) progress += line.subarray(1).toString('utf8');
    else if (band === 3) throw new GitError(`the remote failed: ${line.subarray(1).toString('utf8').trim()}`, { code: 'git-remote-error' });
  }
  const messages = progress
    .split(/[\r\n]+/)
    .map((m) => m.trim())
    .filter((m) => m !== '')
    .slice(-20);
  return { data: Buffer.concat(data), messages };
}

function checkReport(data: Buffer, ref: string, messages: readonly string[], description: string): void {
  const lines = splitPktLines(data).flatMap((l) => (l === null ? [] : [l.toString('utf8').replace(/\n$/, '')]));
  const remote = messages.length === 0 ? '' : ` (remote: ${messages.join(' | ')})`;
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== 'unpack ok') throw new GitError(`push to ${description} failed: ${unpack ?? 'no report from the remote'}${remote}`, { code: unpack === undefined ? 'git-protocol' : 'git-remote-error' });
  const status = lines.find((l) => l === `ok ${ref}` || l.startsWith(`ng ${ref} `));
  if (status === `ok ${ref}`) return;
  const reason = status?.slice(`ng ${ref} `.length) ?? 'no status for the branch';
  throw new PushRejected(`push to ${description} refused by the remote: ${reason}${remote}`, false);
}
