import { ConfigError } from '../config/load.ts';
import { EXIT, UsageError, type CliIo, type Command } from './io.ts';
import { planCommand } from './commands/plan.ts';
import { runCommand } from './commands/run.ts';
import { workloads } from './commands/workloads.ts';
import { release } from './commands/release.ts';

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  plan: planCommand,
  workloads,
  release,
};

const USAGE = `Usage: tagpilot <command> [options]

Commands:
  run --config FILE [--once]     run cycles on the configured interval (or one, with --once)
  plan --config FILE [--json]    show what a cycle would change, without committing
  workloads [--repo DIR] [--json]
                                 list workloads in a local checkout: images, policies, locks
  release --repo DIR --workload ID --image REF [--container NAME] [--no-commit] [--force]
                                 set an image by hand in a local checkout (and commit it)
`;

/** Runs one CLI invocation; returns the exit code. Errors are printed, never thrown. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out.write(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err.write(`tagpilot: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command(args, io);
  } catch (error) {
    io.err.write(`tagpilot ${name}: ${(error as Error).message}\n`);
    const usage = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    return usage ? EXIT.usage : EXIT.failed;
  }
}

if (import.meta.main) {
  const io: CliIo = { out: process.stdout, err: process.stderr, in: process.stdin, cwd: process.cwd(), env: process.env };
  process.exitCode = await main(process.argv.slice(2), io);
}
