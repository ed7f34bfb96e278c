import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/io.ts';

/** A CLI entry: `main`, or anything with its shape. */
export type Entry = (argv: string[], io: CliIo) => Promise<number>;

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface RunOptions {
  /** The command's whole environment. */
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  cwd?: string;
  /** Streams that claim to be a terminal, as process.stdin/stderr do when a person runs tagpilot. */
  tty?: { in?: boolean; err?: boolean };
}

/** Runs one command in-process with in-memory streams. */
export async function runCommand(command: Entry, args: string[], options: RunOptions = {}): Promise<CliResult> {
  const out = collect();
  const err = collect();
  const input = new PassThrough();
  // A terminal never ends by itself: its stream is left open, as a person's would be.
  if (options.tty?.in === true) Object.assign(input, { isTTY: true });
  else input.end(options.stdin ?? '');
  if (options.tty?.err === true) Object.assign(err.stream, { isTTY: true });
  const code = await command(args, { out: out.stream, err: err.stream, in: input, cwd: options.cwd ?? process.cwd(), env: options.env ?? {} });
  return { code, out: out.text(), err: err.text() };
}

/** Runs the whole CLI (`tagpilot …`) in-process; logs at warn unless `env` says otherwise. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  return runCommand(main, args, { ...options, env: { LOG_LEVEL: 'warn', ...options.env } });
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** What `tagpilot plan --config CONFIG --json` says: the workloads it would change, each hold as `code slot`, and the holds' messages. */
export async function planned(config: string): Promise<{ changes: (string | undefined)[]; holds: string[]; messages: string[] }> {
  const { code, out, err } = await runCli(['plan', '--config', config, '--json']);
  if (code !== 0) throw new Error(`tagpilot plan exited ${code}: ${err}`);
  const plan = JSON.parse(out) as { changes: { workload?: string }[]; holds: { code: string; slot: string; message: string }[] };
  return { changes: plan.changes.map((c) => c.workload), holds: plan.holds.map((h) => `${h.code} ${h.slot}`), messages: plan.holds.map((h) => h.message) };
}
