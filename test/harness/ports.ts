import { createServer, type Server } from 'node:net';
import { once } from 'node:events';

/** Listens on 127.0.0.1 with a port chosen by the OS; resolves to that port. */
export async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** A 127.0.0.1 port that nothing listens on (bound by the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenLocal(server);
  server.close();
  await once(server, 'close');
  return port;
}

/** Closes a test server now: open keep-alive connections are cut instead of waited for. */
export async function closeServer(server: import('node:http').Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
