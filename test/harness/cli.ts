import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with in-memory streams. */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {}): Promise<CliResult> {
  const out = collect();
  const err = collect();
  const input = new PassThrough();
  input.end(options.stdin ?? '');
  const code = await main(args, { out: out.stream, err: err.stream, in: input, cwd: options.cwd ?? process.cwd(), env: { LOG_LEVEL: 'warn', ...options.env } });
  return { code, out: out.text(), err: err.text() };
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}
