import { GitError } from './remote.ts';

/** Where a remote lives, as one of the two transports tagpilot speaks. */
export type RemoteLocation = { kind: 'http'; url: URL } | { kind: 'ssh'; host: string; port: number; user: string; path: string };

/**
 * Parses `https://host/repo.git`, `ssh://user@host[:port]/path` and the scp-like
 * `user@host:path` (a path relative to the account's home, as git reads it).
 */
export function parseRemoteUrl(text: string): RemoteLocation {
  if (/^https?:\/\//i.test(text)) return { kind: 'http', url: new URL(text) };
  if (/^ssh:\/\//i.test(text)) {
    const url = new URL(text);
    if (url.password !== '') throw new GitError('an ssh:// URL must not carry a password: use a deploy key', { code: 'config-invalid' });
    const path = decodeURIComponent(url.pathname);
    // ssh://host/~/repo is relative to the home directory, as in git.
    return { kind: 'ssh', host: stripBrackets(url.hostname), port: url.port === '' ? 22 : Number(url.port), user: decodeURIComponent(url.username) || 'git', path: path.startsWith('/~') ? path.slice(1) : path };
  }
  const scp = /^(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+):(?!\/\/)(.+)$/.exec(text);
  if (scp !== null) return { kind: 'ssh', host: stripBrackets(scp[2]!), port: 22, user: scp[1] ?? 'git', path: scp[3]! };
  throw new GitError('not a git URL: expected https://, ssh:// or user@host:path', { code: 'config-invalid' });
}

/** The location as text without any credentials, for logs and errors. */
export function describeLocation(location: RemoteLocation): string {
  if (location.kind === 'ssh') return `ssh://${location.user}@${location.host}${location.port === 22 ? '' : `:${location.port}`}${location.path.startsWith('/') ? '' : '/'}${location.path}`;
  const url = new URL(location.url);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString();
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
