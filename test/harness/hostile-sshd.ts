import type { AddressInfo } from 'node:net';
// ssh2 is CommonJS: its named exports are not all visible to ESM, so take the default.
import ssh2 from 'ssh2';
import { generateKey } from './sshd.ts';

/**
 * An SSH server of an attacker's own (ssh2's server, any key accepted): every `git-*` command
 * gets `output`, written as fast as the client reads it. OpenSSH's sshd runs only git itself;
 * this one can send what git never would.
 */
export interface HostileSshd {
  /** `ssh://git@127.0.0.1:PORT/evil.git` */
  url: string;
  knownHosts: string;
  stop(): Promise<void>;
}

export async function startHostileSshd(output: () => AsyncIterable<Buffer>): Promise<HostileSshd> {
  const hostKey = generateKey('ed25519');
  const clients = new Set<ssh2.Connection>();
  let stopped = false;
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec) => {
          const channel = acceptExec();
          let closed = false;
          channel.once('close', () => (closed = true));
          client.once('close', () => (closed = true));
          void (async () => {
            for await (const chunk of output()) {
              if (closed || stopped) return;
              if (!channel.write(chunk)) await new Promise((resolve) => channel.once('drain', resolve));
            }
          })().catch(() => undefined);
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const [type, blob] = hostKey.publicKey.split(' ');
  return {
    url: `ssh://git@127.0.0.1:${port}/evil.git`,
    knownHosts: `[127.0.0.1]:${port} ${type} ${blob}\n`,
    stop() {
      stopped = true;
      for (const client of clients) client.end();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
