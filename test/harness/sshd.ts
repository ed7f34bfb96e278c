import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startChild, type Started } from './process.ts';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';
export type KeyFormat = 'openssh' | 'pem' | 'pkcs8';

export interface KeyPair {
  privateKey: string;
  /** `type base64 comment`, as in authorized_keys. */
  publicKey: string;
}

export interface TestSshd {
  host: string;
  port: number;
  /** A known_hosts line for this server's host key. */
  knownHosts: string;
  /** The account that logs in (its commands are forced through git-shell). */
  user: string;
  /** `ssh://user@127.0.0.1:PORT/<absolute path>` */
  url(path: string): string;
  /** Lines sshd wrote to stderr (auth failures, git-shell errors). */
  log(): string;
  /**
   * A shell script run before each git command (its first argument is the command, its output
   * discarded): a test makes a human commit there to lose a race on purpose. Undefined removes it.
   */
  beforeCommand(script: string | undefined): void;
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** Public keys allowed to log in. */
  authorizedKeys: readonly string[];
  /** Host key type (default ed25519). */
  hostKeyType?: KeyType;
}

/**
 * Generates a key pair with ssh-keygen: OpenSSH format, traditional PEM (`-m PEM`), or PKCS#8.
 * ssh-keygen writes no ed25519 key in PEM or PKCS#8, so that one comes from openssl genpkey.
 */
export function generateKey(type: KeyType, format: KeyFormat = 'openssh', passphrase = '', size?: number): KeyPair {
  if (type === 'ed25519' && format !== 'openssh') return ed25519Pkcs8();
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-key-'));
  try {
    const file = join(dir, 'id');
    const bits = type === 'ed25519' ? [] : ['-b', String(size ?? (type === 'rsa' ? 2048 : 256))];
    execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', passphrase, '-C', `tagpilot-test-${type}`, ...(format === 'pem' ? ['-m', 'PEM'] : format === 'pkcs8' ? ['-m', 'PKCS8'] : []), '-f', file]);
    return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ed25519Pkcs8(): KeyPair {
  const privateKey = execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519']).toString();
  const { x } = createPublicKey(privateKey).export({ format: 'jwk' });
  const wire = (bytes: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
  const blob = Buffer.concat([wire(Buffer.from('ssh-ed25519')), wire(Buffer.from(x!, 'base64url'))]);
  return { privateKey, publicKey: `ssh-ed25519 ${blob.toString('base64')} tagpilot-test-ed25519-pkcs8` };
}

/**
 * OpenSSH's sshd on 127.0.0.1 as a child of the test: its own host key, the given keys in its
 * own authorized_keys, and every command forced through git-shell, as on a git host.
 */
export async function startSshd(options: SshdOptions): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'tagpilot-sshd-'));
  const hostKey = join(dir, 'host_key');
  execFileSync('ssh-keygen', ['-q', '-t', options.hostKeyType ?? 'ed25519', '-N', '', '-f', hostKey]);
  writeFileSync(join(dir, 'authorized_keys'), options.authorizedKeys.map((k) => `${k}\n`).join(''));
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const user = userInfo().username;
  let started: Started | undefined;
  let port = 0;
  let output = '';
  for (let attempt = 0; started === undefined; attempt++) {
    port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(config, sshdConfig(dir, port, hostKey, user));
    writeFileSync(join(dir, 'force.sh'), `#!/bin/sh\n[ -f ${join(dir, 'before.sh')} ] && /bin/sh ${join(dir, 'before.sh')} "$SSH_ORIGINAL_COMMAND" >/dev/null 2>&1\nexec /usr/bin/git-shell -c "$SSH_ORIGINAL_COMMAND"\n`);
    try {
      started = await startChild('/usr/sbin/sshd', ['-D', '-e', '-f', config], /Server listening on 127\.0\.0\.1 port \d+/);
    } catch (error) {
      // Another process took the port between our probe and sshd's bind: try another.
      if (attempt < 5 && /Address already in use|Cannot bind/.test((error as Error).message)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const child = started;
  child.child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [keyType, keyBlob] = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
  return {
    host: '127.0.0.1',
    port,
    user,
    knownHosts: `[127.0.0.1]:${port} ${keyType} ${keyBlob}\n`,
    url: (path) => `ssh://${user}@127.0.0.1:${port}${path}`,
    log: () => output,
    beforeCommand(script) {
      const path = join(dir, 'before.sh');
      if (script === undefined) rmSync(path, { force: true });
      else writeFileSync(path, script);
    },
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sshdConfig(dir: string, port: number, hostKey: string, user: string): string {
  return `Port ${port}
ListenAddress 127.0.0.1
HostKey ${hostKey}
PidFile none
AuthorizedKeysFile ${join(dir, 'authorized_keys')}
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers ${user}
UsePAM no
PrintMotd no
LogLevel VERBOSE
DisableForwarding yes
PermitTTY no
ForceCommand /bin/sh ${join(dir, 'force.sh')}
`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
