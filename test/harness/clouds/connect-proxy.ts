import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { closeServer, listenLocal } from '../ports.ts';

/**
 * An HTTPS proxy (CONNECT) that sends a public API host to its double on 127.0.0.1, for SDKs that
 * have no endpoint setting but honour HTTPS_PROXY (google-auth-library's token endpoint). Any
 * other host is refused: nothing leaves the machine.
 */
export class ConnectProxy {
  readonly tunnels: string[] = [];
  private readonly server: Server;
  /** Tunnels are upgraded connections the server no longer tracks: closed by hand on stop. */
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(routes: Record<string, number>): Promise<ConnectProxy> {
    const server = createServer((_req, res) => res.writeHead(405).end());
    const proxy = new ConnectProxy(server);
    server.on('connect', (req, socket, head) => {
      const port = routes[req.url ?? ''];
      proxy.tunnels.push(req.url ?? '');
      if (port === undefined) return socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      const upstream = connect(port, '127.0.0.1', () => {
        proxy.sockets.add(upstream).add(socket as Socket);
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await listenLocal(server);
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closeServer(this.server);
  }
}
