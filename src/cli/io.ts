import { TagpilotError } from '../problems/index.ts';

/** What a CLI command may touch: its streams and working directory. Tests pass their own. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  in: NodeJS.ReadableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Exit codes (docs/cli.md): 0 success, 1 the work failed, 2 bad usage, input or config. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line asks for something that cannot be done as written: exit 2. */
export class UsageError extends TagpilotError {
  override name = 'UsageError';
  constructor(message: string) {
    super('usage', message);
  }
}

/** A stream attached to a terminal: a person is watching (process streams have `isTTY`). */
export function isInteractive(stream: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}
