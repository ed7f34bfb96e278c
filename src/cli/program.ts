/**
 * The command tree: every verb's options, help text and example. Each verb's code is imported
 * only when that verb runs, so `--help` and the light verbs start without the registry, Git and
 * YAML layers (bench/startup.bench.ts measures it).
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { UsageError, type CliIo } from './io.ts';
import type { ControllerOptions } from './commands/controller.ts';
import type { HistoryOptions } from './commands/history.ts';
import type { ImagesOptions } from './commands/images.ts';
import type { FreezeOptions, OperateOptions } from './operations.ts';
import type { PlanOptions } from './commands/plan.ts';
import type { PolicyTestOptions } from './commands/policy-test.ts';
import type { ReleaseOptions } from './commands/release.ts';
import type { StatusOptions } from './commands/status.ts';
import type { RunOptions } from './commands/run.ts';
import type { WorkloadsOptions } from './commands/workloads.ts';

/** A verb's code: its options (and positional arguments), returning the exit code. */
export type Verb<O> = (options: O, io: CliIo) => Promise<number>;

/** What the action that ran reports back to `main`. */
export interface Outcome {
  /** `tagpilot plan`, `tagpilot policy test`: for error messages. */
  command?: string;
  code?: number;
}

const STRICT = 'exit 1 when a file, workload or image had a problem (default: report it, exit 0)';
const CONFIG = 'the configuration file (docs/config.md)';
const AUTOMATION = 'the automation to work on, by name, when the config has several (docs/controller.md)';
const OPERATION_AUTOMATION = 'with --config: the automation to commit to, when the config has several (default: the only one whose paths hold the workload; freeze and unfreeze need it)';

export function buildProgram(io: CliIo, outcome: Outcome): Command {
  const program = new Command('tagpilot')
    .description('Image automation for GitOps: polls registries, commits new tags into your YAML repo.')
    .usage('<command> [options]')
    .version(version(), '-V, --version', 'print the version')
    .configureOutput(output(io))
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\nRun "tagpilot <command> --help" for a command's options and an example.\nExit codes: 0 done, 1 failed, 2 usage or configuration error (docs/cli.md).\n`);
  const verb = verbs(io, outcome);
  addCycleVerbs(program, verb);
  addCheckoutVerbs(program, verb);
  addPolicyVerbs(program, verb);
  addOperationVerbs(program, verb);
  addFreezeVerbs(program, verb);
  return program;
}

/** Declares a verb (help text with examples) whose code is loaded only when it runs. */
type DeclareVerb = <O>(parent: Command, name: string, summary: string, examples: readonly string[], load: () => Promise<Verb<O>>) => Command;

function verbs(io: CliIo, outcome: Outcome): DeclareVerb {
  return <O>(parent: Command, name: string, summary: string, examples: readonly string[], load: () => Promise<Verb<O>>) =>
    parent
      .command(name)
      .description(summary)
      .addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}\n`).join('')}`)
      .action(async (...args: unknown[]) => {
        const command = args.at(-1) as Command;
        outcome.command = commandPath(command);
        checkRequired(command);
        const options: Record<string, unknown> = { ...command.opts(), ...positionals(command) };
        outcome.code = await (await load())(options as O, io);
      });
}

/** The verbs that talk to the Git remote and the registries: run, plan, history, images. */
function addCycleVerbs(program: Command, verb: DeclareVerb): void {
  verb<RunOptions>(program, 'run', 'run cycles on the configured interval (or one, with --once)', ['tagpilot run --config config.yaml', 'tagpilot run --once --config config.yaml'], async () => (await import('./commands/run.ts')).run)
    .addOption(required('--config <file>', CONFIG))
    .option('--automation <name>', AUTOMATION)
    .option('--once', 'run one cycle and exit')
    .option('--strict', STRICT)
    .addOption(logFormat());

  verb<ControllerOptions>(program, 'controller', 'every automation of the config, each on its own schedule, with probes and metrics (docs/controller.md)', ['tagpilot controller --config config.yaml'], async () => (await import('./commands/controller.ts')).controller)
    .addOption(required('--config <file>', `${CONFIG}; watched, and reloaded when it changes`))
    .addOption(logFormat());

  verb<PlanOptions>(program, 'plan', 'show what a cycle would change, without committing', ['tagpilot plan --config config.yaml', 'tagpilot plan --config config.yaml --json'], async () => (await import('./commands/plan.ts')).plan)
    .addOption(required('--config <file>', CONFIG))
    .option('--automation <name>', AUTOMATION)
    .option('--json', 'print one JSON object instead of a table')
    .option('--explain', 'say per slot why the other tags were not picked (per reason: how many, the highest few)')
    .option('--strict', STRICT)
    .addOption(logFormat());

  verb<HistoryOptions>(program, 'history', "the bot's changes, read back from its commits (reverts shown)", ['tagpilot history --repo ./fleet --workload shop:deployment/web', 'tagpilot history --config config.yaml --since 2026-01-01 --json'], async () => (await import('./commands/history.ts')).history)
    .option('--repo <dir>', 'read a local checkout')
    .option('--config <file>', "read the configured remote's branch")
    .option('--automation <name>', AUTOMATION)
    .option('--workload <id>', 'only this workload (namespace:kind/name)')
    .option('--since <date>', 'only commits since this date (2026-01-31 or an ISO 8601 time)')
    .option('--verified', "each update's rollout verification outcome, read from the Events in the cluster (in-cluster, or $KUBECONFIG)")
    .option('--json', 'print JSON instead of a table');

  verb<StatusOptions>(
    program,
    'status',
    "a running controller's status page, read from its JSON API",
    ['tagpilot status --server http://tagpilot.tagpilot-system:8080/status', 'TAGPILOT_STATUS_TOKEN=… tagpilot status --server https://tagpilot.example/status --json'],
    async () => (await import('./commands/status.ts')).status,
  )
    .addOption(required('--server <url>', 'where the status page is served (its prefix)'))
    .option('--token-file <file>', 'the bearer token, read from this file (default: env TAGPILOT_STATUS_TOKEN)')
    .option('--json', 'print the status document as it came');

  verb<ImagesOptions>(program, 'images', "a repository's tags, newest first by the policy, the selected one marked", ["tagpilot images ghcr.io/acme/web:1.4.2 --policy 'semver:^1'", 'tagpilot images registry.local:5000/team/api --insecure --all'], async () => (await import('./commands/images.ts')).images)
    .argument('<image-ref>', 'the image repository, with the current tag if any')
    .option('--policy <policy>', 'order and select by this policy (docs/policies.md)')
    .option('--all', 'also list the tags the policy rejects, with the reason')
    .option('--config <file>', 'registry settings and credentials from this configuration')
    .option('--insecure', 'plain HTTP to the registry named in the reference')
    .option('--json', 'print one JSON object instead of a table');
}

/** The verbs that read or edit a local checkout: workloads, release. */
function addCheckoutVerbs(program: Command, verb: DeclareVerb): void {
  verb<WorkloadsOptions>(program, 'workloads', 'list workloads in a local checkout: images, policies, locks', ['tagpilot workloads --repo ./fleet', 'tagpilot workloads --repo . --path apps --config config.yaml --json'], async () => (await import('./commands/workloads.ts')).workloads)
    .option('--repo <dir>', 'the checkout to read', '.')
    .option('--path <path>', 'read only below this path (repeatable)', collect)
    .option('--config <file>', 'read named policies (for $imagepolicy markers) from this configuration')
    .option('--json', 'print one JSON object instead of a table')
    .option('--strict', STRICT);

  verb<ReleaseOptions>(
    program,
    'release',
    'set an image by hand (and lock the slot, unless --no-lock) as a commit with its trailer',
    ['tagpilot release --repo ./fleet --workload shop:deployment/web --image ghcr.io/acme/web:1.4.3', 'tagpilot release --config config.yaml --workload shop:deployment/web --image ghcr.io/acme/web:1.4.3 --reason "hotfix"'],
    async () => (await import('./commands/release.ts')).release,
  )
    .option('--repo <dir>', 'the checkout to edit (default: .)')
    .option('--config <file>', 'commit to the configured remote instead (fetch, edit, commit, push, retry)')
    .option('--automation <name>', OPERATION_AUTOMATION)
    .option('--no-lock', 'do not lock the slot: the next cycle may move it on (never back to the tag released away from)')
    .option('--reason <text>', 'why (in the commit and the lock)')
    .option('--user <who>', 'who does it, "Name <email>"')
    .addOption(required('--workload <id>', 'the workload to set (namespace:kind/name, see tagpilot workloads)'))
    .addOption(required('--image <ref>', 'the image reference to set'))
    .option('--container <name>', "the container to set (default: those running the image's repository)")
    .option('--no-commit', 'edit the files and leave the commit to you')
    .option('--force', 'release to a locked workload too')
    .option('--path <path>', 'read only below this path (repeatable)', collect);
}

/** Options every workload operation takes: where it commits, who and why. */
function operationOptions(command: Command, reason: string): Command {
  return command
    .option('--config <file>', 'commit to the configured remote (fetch, edit, commit, push, retry; signed when git.signing is set)')
    .option('--automation <name>', OPERATION_AUTOMATION)
    .option('--repo <dir>', 'commit in this local checkout instead')
    .option('--path <path>', 'with --repo: read only below this path (repeatable)', collect)
    .option('--user <who>', 'who does it, "Name <email>" (default: GIT_AUTHOR_NAME/EMAIL, the checkout\'s user.name/email, or the login)')
    .option('--reason <text>', reason);
}

/** lock, unlock, automate, deautomate, rollback, policy set: each one commit with a Tagpilot-Operation trailer (docs/operations.md). */
function addOperationVerbs(program: Command, verb: DeclareVerb): void {
  const load = (name: 'lock' | 'unlock' | 'automate' | 'deautomate' | 'policy-set' | 'rollback') => async () => (await import('./operations.ts')).operate(name);
  const workload = (c: Command) => c.argument('<workload>', 'the workload (namespace:kind/name) or file, as tagpilot workloads prints it');
  operationOptions(
    workload(
      verb<OperateOptions>(
        program,
        'lock',
        'lock a workload (or one slot) so the bot leaves it alone: a commit saying who, why and when',
        ["tagpilot lock shop:deployment/web --reason 'incident 4711' --config config.yaml", 'tagpilot lock shop:deployment/web --container web --reason "pinned for the audit" --repo ./fleet'],
        load('lock'),
      ),
    ),
    'why (required): the next person reads it',
  ).option('--container <name>', 'lock only this slot (a container, a kustomize image name, a marker path)');
  operationOptions(workload(verb<OperateOptions>(program, 'unlock', "unlock a workload (or one slot); clears the revert rule's rejections for it", ['tagpilot unlock shop:deployment/web --config config.yaml'], load('unlock'))), 'why').option('--container <name>', 'unlock only this slot');
  operationOptions(workload(verb<OperateOptions>(program, 'automate', 'turn automation on for a workload (tagpilot.io/automated: "true")', ['tagpilot automate shop:deployment/web --config config.yaml'], load('automate'))), 'why');
  operationOptions(workload(verb<OperateOptions>(program, 'deautomate', 'turn automation off for a workload (removes tagpilot.io/automated)', ['tagpilot deautomate shop:deployment/web --reason "moving to Helm" --config config.yaml'], load('deautomate'))), 'why');
  operationOptions(
    workload(
      verb<OperateOptions>(
        program,
        'rollback',
        "set a slot back to its previous tag from the branch's history (locks it, unless --no-lock)",
        ['tagpilot rollback shop:deployment/web --container web --reason "1.4 breaks checkout" --config config.yaml', 'tagpilot rollback shop:deployment/web --to 1.3.2 --repo ./fleet'],
        load('rollback'),
      ),
    ),
    'why',
  )
    .option('--container <name>', 'roll back only this slot (default: every slot of the workload)')
    .option('--to <tag>', 'this tag instead of the previous one')
    .option('--no-lock', 'do not lock the slot: the next cycle may move it on (never back to the rolled-back tag)');
}

/** freeze, unfreeze: the repository's .tagpilot.yaml, as a commit. */
function addFreezeVerbs(program: Command, verb: DeclareVerb): void {
  const load = (name: 'freeze' | 'unfreeze') => async () => (await import('./operations.ts')).freeze(name);
  operationOptions(
    verb<FreezeOptions>(
      program,
      'freeze',
      "freeze the repository: nothing is committed for its slots until then (.tagpilot.yaml at each path's root, as a commit)",
      ["tagpilot freeze --until 2027-01-04T08:00:00+01:00 --reason 'holiday freeze' --config config.yaml", "tagpilot freeze --window 'Fri 16:00-Mon 08:00 Europe/Berlin' --reason 'no weekend deploys' --repo ./fleet"],
      load('freeze'),
    ),
    'why',
  )
    .option('--until <time>', 'from now until then (RFC 3339, or a date)')
    .option('--window <text>', 'a window as written in .tagpilot.yaml instead (recurring, or an absolute range: docs/operations.md)');
  operationOptions(verb<FreezeOptions>(program, 'unfreeze', 'end the freezes in force that freeze --until wrote (recurring windows stay: edit the file)', ['tagpilot unfreeze --reason "fix is out" --config config.yaml'], load('unfreeze')), 'why');
}

function addPolicyVerbs(program: Command, verb: DeclareVerb): void {
  const policy = program.command('policy').description('work with tag policies').usage('<command> [options]');
  policy.addHelpText('after', `\nExample:\n  $ tagpilot policy test 'semver:~1.2' --current 1.2.0 --tags-from tags.txt\n`);
  verb<PolicyTestOptions>(
    policy,
    'test',
    'which tag a policy picks from a list, and why each other is rejected',
    ["tagpilot policy test 'semver:~1.2' --current 1.2.0 --tags-from tags.txt", "printf '1.2.0\\n1.3.0\\n' | tagpilot policy test minor --current 1.2.0 --tags-from -"],
    async () => (await import('./commands/policy-test.ts')).policyTest,
  )
    .argument('<policy>', 'the policy (docs/policies.md)')
    .option('--current <tag>', 'the tag the slot holds now (never downgraded)')
    .option('--current-digest <digest>', 'the digest the slot pins now (digest: policies)')
    .option('--tags-from <file>', 'tag list: one tag per line, or a JSON array of tags or of {tag, created?, digest?, platforms?, signature?}; "-" for standard input')
    .option('--ignore <list>', 'ignore patterns, comma separated (globs, or regexp:<re>)')
    .option('--min-age <duration>', 'minimum age of a build, e.g. 30m, 6h, 2d')
    .option('--platforms <list>', 'required platforms, e.g. linux/amd64,linux/arm64')
    .option('--now <time>', 'the clock for --min-age (RFC 3339; default: now)')
    .option('--allow-downgrade', 'follow the policy even below the current tag')
    .option('--verify-signature <policy>', 'require a valid signature: JSON tags carry "signature": "valid", "unsigned" or "bad-signature" (none: unsigned)')
    .option('--json', 'print one JSON object instead of a table');
  operationOptions(
    verb<OperateOptions>(policy, 'set', "set a slot's tag policy (tagpilot.io/tag.<container>) as a commit; clears the slot's rejections", ["tagpilot policy set shop:deployment/web web 'semver:~1.4' --config config.yaml"], async () => (await import('./operations.ts')).operate('policy-set'))
      .argument('<workload>', 'the workload (namespace:kind/name)')
      .argument('<container>', 'the slot (a container name)')
      .argument('<policy>', 'the policy (docs/policies.md)'),
    'why',
  );
}

/** From package.json, one folder above src/ and dist/ alike (the image ships it). */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** `tagpilot policy test`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Positional arguments by name: `<image-ref>` is `imageRef`. */
function positionals(command: Command): Record<string, unknown> {
  const named: Record<string, unknown> = {};
  for (const [i, argument] of command.registeredArguments.entries()) named[argument.name().replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = command.processedArgs[i];
  return named;
}

/**
 * Options a verb cannot run without. Checked here rather than by commander, which checks them
 * before unknown options: `plan --jsn` should suggest --json, not ask for --config.
 */
const REQUIRED = new WeakSet<Option>();

function required(flags: string, description: string): Option {
  const option = new Option(flags, `${description} (required)`);
  REQUIRED.add(option);
  return option;
}

function checkRequired(command: Command): void {
  const missing = command.options.filter((o) => REQUIRED.has(o) && command.getOptionValue(o.attributeName()) === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((o) => o.flags).join(' and ')} (see ${commandPath(command)} --help)`);
}

function logFormat(): Option {
  return new Option('--log-format <format>', 'log lines as JSON or for people (default: pretty on a terminal, else json; env LOG_FORMAT)').choices(['json', 'pretty']);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Help and errors go to the command's own streams; no colour codes into pipes or files. */
function output(io: CliIo) {
  const width = (stream: NodeJS.WritableStream) => Math.min((stream as { columns?: number }).columns ?? 80, 100);
  return {
    writeOut: (text: string) => void io.out.write(text),
    writeErr: (text: string) => void io.err.write(text),
    outputError: (text: string, write: (text: string) => void) => write(text.replace(/^error: /, 'tagpilot: ')),
    getOutHelpWidth: () => width(io.out),
    getErrHelpWidth: () => width(io.err),
    getOutHasColors: () => false,
    getErrHasColors: () => false,
  };
}
