import { CommanderError } from 'commander';
import { errorCode } from '../problems/index.ts';
import { EXIT, type CliIo } from './io.ts';
import { buildProgram, type Outcome } from './program.ts';

/** Error codes that mean "fix the command line or the config", not "the work failed". */
const USAGE_CODES = new Set(['usage', 'config-invalid']);

/** Runs one CLI invocation; returns the exit code (docs/cli.md). Errors are printed, never thrown. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const outcome: Outcome = {};
  const program = buildProgram(io, outcome);
  const group = argv.length === 1 ? program.commands.find((c) => c.name() === argv[0] && c.commands.length > 0) : undefined;
  // `tagpilot` (or `tagpilot policy`) alone asks what there is: help, not an error.
  if (argv.length === 0 || group !== undefined) {
    (group ?? program).outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return outcome.code ?? EXIT.ok;
  } catch (error) {
    // Commander has printed its message (and a "did you mean" where one fits); --help is success.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    io.err.write(`${outcome.command ?? 'tagpilot'}: ${(error as Error).message}\n`);
    return USAGE_CODES.has(errorCode(error)) ? EXIT.usage : EXIT.failed;
  }
}

if (import.meta.main) {
  const io: CliIo = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: process.cwd(), env: process.env };
  process.exitCode = await main(process.argv.slice(2), io);
}
