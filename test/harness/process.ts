import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

export interface Started {
  child: ChildProcess;
  /** The first match of `ready` in the child's output. */
  match: RegExpMatchArray;
  stop(): Promise<void>;
}

/**
 * Starts a server as a child of the test process and resolves when its output matches `ready`.
 * `stop` signals it and waits for the exit, so no test leaves a process behind.
 */
export async function startChild(command: string, args: string[], ready: RegExp, options: SpawnOptions = {}, timeoutMs = 15_000): Promise<Started> {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${command} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.match(ready);
      if (found === null) return;
      clearTimeout(timer);
      resolve(found);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${command} exited with ${code} before it was ready:\n${output}`)));
  });
  // Keep draining so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    child,
    match,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
