import { HttpTransport } from './http-transport.ts';
import { GitError, type GitRemote } from './remote.ts';
import { SshTransport } from './ssh-transport.ts';
import type { Transport } from './transport.ts';
import { parseRemoteUrl } from './url.ts';

/** The transport a remote's URL asks for, with the credentials that belong to it. */
export function createTransport(remote: GitRemote): Transport {
  const location = parseRemoteUrl(remote.url);
  if (location.kind === 'http') return new HttpTransport(location.url, { auth: remote.auth, ca: remote.ca, timeouts: remote.timeouts });
  if (remote.ssh === undefined) throw new GitError(`${remote.url}: an SSH remote needs a deploy key and known_hosts`, { code: 'config-invalid' });
  return new SshTransport(location, { ...remote.ssh, timeouts: remote.timeouts, advertisementBytes: remote.limits?.advertisementBytes });
}
