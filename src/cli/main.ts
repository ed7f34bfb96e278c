import { ConfigError } from '../config/load.ts';
import { EXIT, UsageError, type CliIo, type Command } from './io.ts';
import { planCommand } from './commands/plan.ts';
import { runCommand } from './commands/run.ts';
import { workloads } from './commands/workloads.ts';
import { release } from './commands/release.ts';
import { policyTest } from './commands/policy-test.ts';
import { history } from './commands/history.ts';
import { images } from './commands/images.ts';

const COMMANDS: Record<string, Command> = {
  run: runCommand,
  plan: planCommand,
  workloads,
  release,
  history,
  images,
  policy: group('policy', { test: policyTest }),
};

/** A command with subcommands: `tagpilot policy test …`. */
function group(name: string, commands: Record<string, Command>): Command {
  return async (args, io) => {
    const [sub, ...rest] = args;
    const command = sub === undefined ? undefined : commands[sub];
    if (command === undefined) throw new UsageError(`${name} needs a subcommand: ${Object.keys(commands).join(', ')}`);
    return command(rest, io);
  };
}

const USAGE = `Usage: tagpilot <command> [options]

Commands:
  run --config FILE [--once]     run cycles on the configured interval (or one, with --once)
  plan --config FILE [--json]    show what a cycle would change, without committing
  workloads [--repo DIR] [--json]
                                 list workloads in a local checkout: images, policies, locks
  history [--repo DIR | --config FILE] [--workload ID] [--since DATE] [--json]
                                 the bot's changes, read from its commits (reverts shown)
  images REF [--policy P] [--config FILE] [--json]
                                 a repository's tags, newest first by the policy, the selected one marked
  policy test POLICY [--current TAG] [--tags-from FILE|-] [--json]
                                 which tag a policy picks from a list, and why each other is rejected
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
