import type { GitHttpRequest, GitHttpResponse } from 'isomorphic-git';
import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { KnownHosts } from './known-hosts.ts';
import { ssh2 } from './ssh2.ts';
import { usableKey } from './ssh-key.ts';
import { FLUSH, pktLine } from './pkt-line.ts';
import { ChannelReader } from './ssh-channel.ts';
import type { Service } from './protocol.ts';
import { DEFAULT_GIT_LIMITS } from './limits.ts';
import { GitError } from './remote.ts';
import { collectBody, DEFAULT_TIMEOUTS, type Timeouts, type Transport, type TransportSession } from './transport.ts';
import { describeLocation, type RemoteLocation } from './url.ts';

export interface SshTransportOptions {
  /** The deploy key: OpenSSH or PEM; ed25519, ecdsa or rsa. */
  privateKey: string;
  passphrase?: string;
  /** known_hosts text; the server's key must be listed for its host (and port). */
  knownHosts: string;
  timeouts?: Timeouts;
  /** The longest ref advertisement read (default: `DEFAULT_GIT_LIMITS.advertisementBytes`). */
  advertisementBytes?: number;
}

/** The server's host key was not the one known_hosts lists: nothing was sent. */
export class HostKeyError extends GitError {
  override name = 'HostKeyError';

  constructor(message: string) {
    super(message, { code: 'host-key-rejected' });
  }
}

type SshLocation = Extract<RemoteLocation, { kind: 'ssh' }>;

/** How a session reads: the longest silence and the largest ref advertisement. */
interface Reading {
  idleMs: number;
  advertisementBytes: number;
}

// isomorphic-git only speaks http(s) URLs; this placeholder host is never resolved.
const PLACEHOLDER = 'https://ssh.tagpilot.invalid/repo';
const SERVICES: readonly Service[] = ['git-upload-pack', 'git-receive-pack'];

/** Host key algorithms ssh2 can verify, by the key type known_hosts records. */
const HOST_KEY_ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The git smart protocol over SSH exec channels (`git-upload-pack '<path>'`), shaped as the
 * http client isomorphic-git expects: GET …/info/refs?service=S runs S and returns its ref
 * advertisement (with the `# service=S` header that only HTTP sends), and POST …/S writes the
 * request into the same channel and returns the rest of its output.
 */
export class SshTransport implements Transport {
  readonly url = PLACEHOLDER;
  readonly description: string;
  readonly lsRefsProtocol = 1 as const;
  private readonly location: SshLocation;
  private readonly options: SshTransportOptions;
  private readonly knownHosts: KnownHosts;
  private readonly key: ReturnType<typeof usableKey>;

  constructor(location: SshLocation, options: SshTransportOptions) {
    this.location = location;
    this.options = options;
    this.description = describeLocation(location);
    this.knownHosts = new KnownHosts(options.knownHosts);
    this.key = usableKey(options.privateKey, options.passphrase);
  }

  open(signal?: AbortSignal): TransportSession {
    const reading = { idleMs: (this.options.timeouts ?? DEFAULT_TIMEOUTS).idleMs, advertisementBytes: this.options.advertisementBytes ?? DEFAULT_GIT_LIMITS.advertisementBytes };
    return new SshSession(this.location, this.connectConfig(), reading, this.description, signal);
  }

  async dispose(): Promise<void> {}

  private connectConfig(): { config: ConnectConfig; rejection: () => string | undefined } {
    const { host, port, user } = this.location;
    let rejection: string | undefined;
    const known = this.knownHosts.keyTypesFor(host, port).flatMap((type) => HOST_KEY_ALGORITHMS[type] ?? []);
    const timeouts = this.options.timeouts ?? DEFAULT_TIMEOUTS;
    const config: ConnectConfig = {
      host,
      port,
      username: user,
      privateKey: this.key.privateKey,
      passphrase: this.key.passphrase,
      readyTimeout: timeouts.connectMs,
      keepaliveInterval: Math.max(1_000, Math.floor(timeouts.idleMs / 3)),
      // Negotiate only host key types known_hosts can vouch for, so a host with several keys
      // offers one we can check.
      ...(known.length === 0 ? {} : { algorithms: { serverHostKey: known as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } }),
      hostVerifier: (key: Buffer) => {
        const verdict = this.knownHosts.verify(host, port, key);
        if (!verdict.ok) rejection = verdict.reason;
        return verdict.ok;
      },
    };
    return { config, rejection: () => rejection };
  }
}

/** One SSH connection, opened on the first request, serving one git operation. */
class SshSession implements TransportSession {
  readonly http = { request: (req: GitHttpRequest) => this.request(req) };
  private client: Promise<Client> | undefined;
  private closed = false;
  private channel: { service: Service; stream: ChannelReader } | undefined;
  readonly signal: AbortSignal | undefined;
  private readonly location: SshLocation;
  private readonly connect: ReturnType<SshTransport['connectConfig']>;
  private readonly reading: Reading;
  private readonly description: string;

  constructor(location: SshLocation, connect: SshSession['connect'], reading: Reading, description: string, signal?: AbortSignal) {
    this.location = location;
    this.connect = connect;
    this.reading = reading;
    this.description = description;
    this.signal = signal;
    // The operation's deadline: drop the connection, whatever it is doing.
    signal?.addEventListener(
      'abort',
      () =>
        void this.client?.then(
          (c) => c.destroy(),
          () => undefined,
        ),
      { once: true },
    );
  }

  private async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const url = new URL(req.url);
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname.endsWith('/info/refs')) return this.advertise(serviceOf(url.searchParams.get('service')), req.url);
    const service = serviceOf(url.pathname.slice(url.pathname.lastIndexOf('/') + 1));
    if (method !== 'POST' || this.channel?.service !== service) throw new GitError(`${this.description}: ${method} ${service} without its ref advertisement`, { code: 'internal' });
    const { stream } = this.channel;
    this.channel = undefined;
    const body = await collectBody(req.body as AsyncIterable<Uint8Array> | undefined);
    stream.write(body ?? Buffer.alloc(0));
    return { url: req.url, method, statusCode: 200, statusMessage: 'OK', headers: { 'content-type': `application/x-${service}-result` }, body: stream.rest() };
  }

  private async advertise(service: Service, url: string): Promise<GitHttpResponse> {
    // An advertisement nobody answered (we already had everything): end that conversation first.
    this.channel?.stream.finish(FLUSH);
    this.channel = undefined;
    const client = await this.open();
    const stream = new ChannelReader(await exec(client, `${service} ${shellQuote(this.location.path)}`), this.reading.idleMs, `${this.description}: ${service}`);
    const advertisement = await stream.readAdvertisement(this.reading.advertisementBytes);
    this.channel = { service, stream };
    const body = Buffer.concat([pktLine(`# service=${service}\n`), FLUSH, advertisement]);
    return { url, method: 'GET', statusCode: 200, statusMessage: 'OK', headers: { 'content-type': `application/x-${service}-advertisement` }, body: [body] as unknown as AsyncIterableIterator<Uint8Array> };
  }

  private open(): Promise<Client> {
    if (this.signal?.aborted) return Promise.reject(this.signal.reason as Error);
    this.client ??= new Promise<Client>((resolve, reject) => {
      const client = new (ssh2().Client)();
      // The handshake is a string of small messages: Nagle's algorithm would add ~40 ms to each.
      client.once('connect', () => client.setNoDelay(true));
      client.once('close', () => {
        this.closed = true;
        // Closed before it was ready (no effect once it was).
        reject(new GitError(`${this.description}: the connection closed during the handshake`, { code: 'git-unreachable' }));
      });
      client.once('ready', () => resolve(client));
      client.once('error', (error: Error & { level?: string }) => {
        const hostKey = this.connect.rejection();
        if (hostKey !== undefined) return reject(new HostKeyError(`${this.description}: ${hostKey}`));
        if (error.level === 'client-authentication') return reject(new GitError(`${this.description}: the server refused the deploy key (${error.message})`, { code: 'git-auth-failed' }));
        reject(new GitError(`${this.description}: ${error.message}`, { cause: error, code: 'git-unreachable' }));
      });
      client.connect(this.connect.config);
    });
    return this.client;
  }

  async close(): Promise<void> {
    // An advertisement nobody answered (ls-remote, or a push refused before sending): end the
    // conversation politely with a flush so the server exits cleanly.
    this.channel?.stream.finish(FLUSH);
    this.channel = undefined;
    const pending = this.client;
    this.client = undefined;
    if (pending === undefined) return;
    const client = await pending.catch(() => undefined);
    if (client === undefined || this.closed) return;
    await new Promise<void>((resolve) => {
      // A server that never acknowledges our goodbye must not hold the cycle.
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2_000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }
}

function exec(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel))));
}

function serviceOf(text: string | null): Service {
  const service = SERVICES.find((s) => s === text);
  if (service === undefined) throw new GitError(`unsupported git service ${JSON.stringify(text)}`, { code: 'internal' });
  return service;
}

/** Quotes a path for the remote shell (git-shell accepts exactly this form). */
function shellQuote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
