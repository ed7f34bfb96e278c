import { createServer } from 'node:net';
import { once } from 'node:events';

/** A 127.0.0.1 port that nothing listens on (bound by the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
