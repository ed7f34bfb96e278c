import { createHash, createHmac } from 'node:crypto';

/** One usable line of a known_hosts file. */
interface KnownHost {
  marker: 'revoked' | undefined;
  patterns: string[];
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict = { ok: true } | { ok: false; reason: string };

/**
 * known_hosts as OpenSSH writes it: plain and hashed (`|1|salt|hash`) host names, `[host]:port`
 * for ports other than 22, `*`/`?` wildcards and `!` negation, `@revoked` keys. Host certificates
 * (`@cert-authority`) are not supported: such lines are ignored, so a host known only through a
 * CA is refused as unknown rather than trusted.
 */
export class KnownHosts {
  private readonly entries: KnownHost[];

  constructor(text: string) {
    this.entries = text.split(/\r?\n/).flatMap((line) => parseLine(line) ?? []);
  }

  /** Key types known for a host, in file order: the only host key algorithms worth negotiating. */
  keyTypesFor(host: string, port: number): string[] {
    const name = lookupName(host, port);
    return [...new Set(this.entries.filter((e) => e.marker === undefined && matches(e.patterns, name)).map((e) => e.keyType))];
  }

  /** Strict: the key must be listed for this host; an unknown host or a changed key is refused. */
  verify(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = lookupName(host, port);
    const forHost = this.entries.filter((e) => matches(e.patterns, name));
    const keyType = sshString(key, 0)?.toString('latin1') ?? 'unknown';
    const fingerprint = `${keyType} SHA256:${sha256Base64(key)}`;
    if (forHost.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { ok: false, reason: `the host key of ${name} (${fingerprint}) is marked @revoked in known_hosts` };
    if (forHost.some((e) => e.marker === undefined && e.key.equals(key))) return { ok: true };
    if (forHost.some((e) => e.marker === undefined)) {
      return { ok: false, reason: `the host key of ${name} has CHANGED: it offered ${fingerprint}, which known_hosts does not list for it (someone may be intercepting the connection, or the host key was rotated); nothing was sent` };
    }
    return { ok: false, reason: `${name} is not in known_hosts (it offered ${fingerprint}); add its key (ssh-keyscan, checked out of band) before connecting; nothing was sent` };
  }
}

function parseLine(line: string): KnownHost | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return undefined;
  let marker: KnownHost['marker'];
  if (fields[0].startsWith('@')) {
    if (fields[0] !== '@revoked') return undefined;
    marker = 'revoked';
    fields.shift();
  }
  const [hosts, keyType, keyText] = fields;
  if (hosts === undefined || keyType === undefined || keyText === undefined) return undefined;
  const key = Buffer.from(keyText, 'base64');
  if (key.length === 0) return undefined;
  return { marker, patterns: hosts.split(','), keyType, key };
}

/** How ssh looks a host up: the bare name on port 22, `[name]:port` elsewhere. */
function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!matchesOne(body, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function matchesOne(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

/** Reads an SSH wire-format string (uint32 length + bytes) at `offset`. */
function sshString(buffer: Buffer, offset: number): Buffer | undefined {
  if (buffer.length < offset + 4) return undefined;
  const length = buffer.readUInt32BE(offset);
  if (buffer.length < offset + 4 + length) return undefined;
  return buffer.subarray(offset + 4, offset + 4 + length);
}

/** OpenSSH prints fingerprints as unpadded base64 of the SHA-256 of the key blob. */
function sha256Base64(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}
