/** What a CLI command may touch: its streams and working directory. Tests pass their own. */
export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  in: NodeJS.ReadableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A subcommand: gets its own arguments (after the subcommand name), returns the exit code. */
export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Exit codes: 0 success, 1 the work failed (some items reported), 2 bad usage or input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}
