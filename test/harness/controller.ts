import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `tagpilot controller` as a child process: its JSON log lines, its probe URL, its exit. */
export interface ControllerChild {
  child: ChildProcess;
  /** Every log line so far, parsed. */
  lines: Record<string, unknown>[];
  /** The probes' base URL, once it listens. */
  url: string;
  /** Resolves with the first log line `match` accepts (fails after `timeoutMs`, with the log). */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, unknown>>;
  get(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM, then the exit code; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
  log(): string;
}

const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

export async function startController(config: string, env: Record<string, string> = {}): Promise<ControllerChild> {
  const child = spawn(process.execPath, [CLI, 'controller', '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env } });
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    raw += chunk.toString();
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const handle: ControllerChild = {
    child,
    lines,
    url: '',
    async waitFor(match, timeoutMs = 30_000, what = 'a log line') {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (performance.now() > deadline || child.exitCode !== null) throw new Error(`${what}: not seen within ${timeoutMs} ms (exit ${child.exitCode}):\n${raw}`);
        await sleep(20);
      }
    },
    async get(path) {
      const res = await fetch(`${handle.url}${path}`);
      return { status: res.status, body: await res.text() };
    },
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
    log: () => raw,
  };
  // A start on a loaded machine (load 30) took more than 30 s; a start that fails still ends this at once.
  const listening = await handle.waitFor((l) => l.msg === 'listening', 90_000, 'the controller listening');
  handle.url = String(listening.url);
  return handle;
}

/**
 * A config file the way a Kubernetes ConfigMap mounts it: `dir/tagpilot.yaml` → `..data/tagpilot.yaml`,
 * `..data` a symlink to a timestamped folder; `write` swaps `..data` atomically, as the kubelet does.
 */
export function configMapMount(dir: string): { path: string; write(text: string): void } {
  mkdirSync(dir, { recursive: true });
  let generation = 0;
  const write = (text: string) => {
    const folder = `..${++generation}`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, 'tagpilot.yaml'), text);
    symlinkSync(folder, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  return {
    path: join(dir, 'tagpilot.yaml'),
    write(text) {
      write(text);
      if (generation === 1) symlinkSync('..data/tagpilot.yaml', join(dir, 'tagpilot.yaml'));
    },
  };
}
