import type { Code } from '../problems/index.ts';
import type { ClientChannel } from 'ssh2';
import { limitHit } from './limits.ts';
import { FlushFinder } from './pkt-line.ts';
import { GitError } from './remote.ts';
import { timerDelay } from '../policy/index.ts';

/** Reads one exec channel: its stdout as a queue of chunks, its stderr and exit status for errors. */
export class ChannelReader {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private stderr = '';
  private exitCode: number | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly channel: ClientChannel;
  private readonly idleMs: number;
  private readonly what: string;

  constructor(channel: ClientChannel, idleMs: number, what: string) {
    this.channel = channel;
    this.idleMs = idleMs;
    this.what = what;
    channel.on('data', (chunk: Buffer) => this.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 16_384) this.stderr += chunk.toString('utf8');
    });
    channel.on('exit', (code: number | null) => (this.exitCode = code ?? undefined));
    channel.on('close', () => this.stop());
    channel.on('error', (error: Error) => this.stop(error));
  }

  write(body: Buffer): void {
    this.channel.write(body);
    // EOF tells upload-pack and receive-pack that the request is complete.
    this.channel.end();
  }

  finish(bytes: Buffer): void {
    if (this.ended) return;
    this.channel.end(bytes);
  }

  /** Everything up to and including the first flush-pkt (a protocol v0 ref advertisement), at most `maxBytes`. */
  async readAdvertisement(maxBytes: number): Promise<Buffer> {
    const finder = new FlushFinder();
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = await this.next();
      if (chunk === undefined) throw this.error('closed before sending its refs', 'git-remote-error');
      const end = finder.feed(chunk);
      parts.push(chunk);
      length += chunk.length;
      if (end >= 0 && end <= maxBytes) {
        const data = Buffer.concat(parts, length);
        if (end < data.length) this.chunks.unshift(data.subarray(end));
        return data.subarray(0, end);
      }
      if (length > maxBytes) throw limitHit('advertisement-too-large', 'advertisementBytes', maxBytes, `${this.what}: the ref advertisement is larger`);
    }
  }

  async *rest(): AsyncIterableIterator<Uint8Array> {
    for (let chunk = await this.next(); chunk !== undefined; chunk = await this.next()) yield chunk;
    if (this.exitCode !== undefined && this.exitCode !== 0) throw this.error(`exited with status ${this.exitCode}`, 'git-remote-error');
  }

  private async next(): Promise<Buffer | undefined> {
    while (this.chunks.length === 0 && !this.ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(() => this.stop(new Error(`no data for ${this.idleMs} ms`)), timerDelay(this.idleMs));
      });
      clearTimeout(this.timer);
    }
    if (this.failure !== undefined) throw this.error(this.failure.message, 'git-unreachable');
    return this.chunks.shift();
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.wake?.();
  }

  private stop(error?: Error): void {
    if (error !== undefined && this.failure === undefined) {
      this.failure = error;
      this.channel.destroy();
    }
    this.ended = true;
    this.wake?.();
  }

  private error(what: string, code: Code): GitError {
    const detail = this.stderr.trim();
    return new GitError(`${this.what} ${what}${detail === '' ? '' : `: ${detail}`}`, { code });
  }
}
