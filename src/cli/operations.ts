/**
 * The workload verbs (`lock`, `unlock`, `automate`, `deautomate`, `policy set`, `rollback`) as
 * commits: against the configured remote (`--config`: the cycle's fetch, edit, commit, push and
 * retry; signed when signing is configured), or in a local checkout (`--repo DIR`, committed there).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { holdsTarget, planFreeze, planOperation, runOperation, settingsPath, type Decide, type FreezeRequest, type OperationPlan, type OperationRequest } from '../automation/index.ts';
import { loadConfig, soleAutomation } from '../config/index.ts';
import { commitInCheckout, readCheckoutHistory, type GitAuthor } from '../git/index.ts';
import { editFiles, findSlots, readRepoFiles } from '../manifests/index.ts';
import { TagpilotError } from '../problems/index.ts';
import { checkoutDir } from './checkout.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { wire } from './wire.ts';
import { whoAmI } from './identity.ts';

export interface OperateOptions {
  workload: string;
  container?: string;
  reason?: string;
  user?: string;
  config?: string;
  repo?: string;
  path?: string[];
  policy?: string;
  to?: string;
  /** False with --no-lock. */
  lock?: boolean;
  image?: string;
  force?: boolean;
  /** With --config: the automation to commit to, when the config has several. */
  automation?: string;
}

// auto-revert is the verifier's, never a person's verb.
type Verb = Exclude<OperationRequest['verb'], 'auto-revert'>;

/** One verb's command: builds its request from the options, then commits it where asked. */
export function operate(verb: Verb) {
  return async (options: OperateOptions, io: CliIo): Promise<number> => {
    where(options);
    if (verb === 'lock' && (options.reason === undefined || options.reason.trim() === '')) throw new UsageError('a lock needs --reason TEXT: the next person reads why');
    const by = await whoAmI(options.user, io, options.repo);
    const request = requestFor(verb, options, by, nowSeconds());
    return reported(verb, io, () => (options.config !== undefined ? remote(options.config, options.automation, request, by, io) : local(options.repo!, options.path, request, io)));
  };
}

/** Now in RFC 3339 to the second, as the annotations and trailers record it. */
export function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Runs an operation and prints what it committed; a refused operation is said in one line (exit 1). */
async function reported(verb: string, io: CliIo, run: () => Promise<{ plan: OperationPlan; commit?: string | undefined }>): Promise<number> {
  try {
    const outcome = await run();
    report(io, outcome.plan, outcome.commit);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof TagpilotError) || error.code !== 'operation-refused') throw error;
    io.err.write(`tagpilot ${verb}: ${error.message}\n`);
    return EXIT.failed;
  }
}

function requestFor(verb: Verb, o: OperateOptions, by: string, at: string): OperationRequest {
  const common = { target: o.workload, by, at, ...(o.reason === undefined ? {} : { reason: o.reason }) };
  switch (verb) {
    case 'lock':
    case 'unlock':
      return { ...common, verb, ...(o.container === undefined ? {} : { slot: o.container }) };
    case 'automate':
    case 'deautomate':
      return { ...common, verb };
    case 'policy-set':
      return { ...common, verb, slot: o.container!, policy: o.policy! };
    case 'rollback':
      return { ...common, verb, lock: o.lock !== false, ...(o.container === undefined ? {} : { slot: o.container }), ...(o.to === undefined ? {} : { to: o.to }) };
    case 'release':
      return { ...common, verb, image: o.image!, lock: o.lock !== false, ...(o.force === true ? { force: true } : {}), ...(o.container === undefined ? {} : { slot: o.container }) };
  }
}

const decideFor =
  (request: OperationRequest): Decide =>
  async (slots, history) =>
    planOperation(request, slots, request.verb === 'rollback' ? await history() : []);

export interface FreezeOptions {
  until?: string;
  window?: string;
  reason?: string;
  user?: string;
  config?: string;
  repo?: string;
  path?: string[];
  automation?: string;
}

/** Where an operation commits: exactly one of --config and --repo; --automation only with --config. */
function where(options: { config?: string; repo?: string; automation?: string }): void {
  if ((options.config === undefined) === (options.repo === undefined)) throw new UsageError('say where: --config FILE (the configured remote) or --repo DIR (a local checkout)');
  if (options.automation !== undefined && options.config === undefined) throw new UsageError('--automation names an automation of --config FILE; a --repo checkout has none');
}

/** `tagpilot freeze` / `unfreeze`: the `.tagpilot.yaml` of each of the automation's paths, as one commit. */
export function freeze(verb: 'freeze' | 'unfreeze') {
  return async (options: FreezeOptions, io: CliIo): Promise<number> => {
    where(options);
    const by = await whoAmI(options.user, io, options.repo);
    const at = nowSeconds();
    const request = (roots: readonly string[]): FreezeRequest => ({ verb, roots, by, at, ...pick(options) });
    const decide: (roots: readonly string[]) => Decide = (roots) => async (_slots, _history, read) => planFreeze(request(roots), new Map(await Promise.all(roots.map(async (r) => [settingsPath(r), await read(settingsPath(r))] as const))));
    return reported(verb, io, () => (options.config !== undefined ? remoteWith(options.config, options.automation, undefined, by, io, (paths) => decide(paths)) : localWith(options.repo!, options.path, io, decide(options.path ?? ['.']))));
  };
}

function pick(o: FreezeOptions): Pick<FreezeRequest, 'reason' | 'until' | 'window'> {
  return { ...(o.reason === undefined ? {} : { reason: o.reason }), ...(o.until === undefined ? {} : { until: o.until }), ...(o.window === undefined ? {} : { window: o.window }) };
}

function remote(config: string, automation: string | undefined, request: OperationRequest, by: string, io: CliIo): Promise<{ plan: OperationPlan; commit?: string }> {
  return remoteWith(config, automation, request.target, by, io, () => decideFor(request));
}

async function remoteWith(config: string, named: string | undefined, target: string | undefined, by: string, io: CliIo, decide: (paths: readonly string[]) => Decide): Promise<{ plan: OperationPlan; commit?: string }> {
  const automation = await automationFor(config, named, target, io);
  const { deps } = await wire(config, io, automation === undefined ? {} : { automation });
  const author = personOr(by, deps.author);
  return runOperation({ repo: deps.repo, branch: deps.branch, paths: deps.paths, author, log: deps.log, namedPolicies: deps.namedPolicies, maxAttempts: deps.maxAttempts }, decide(deps.paths));
}

/**
 * The automation an operation commits to: the one named (checked), the only one, or, for a
 * workload, the only one whose paths hold it at its branch's head (said on stderr). Anything else
 * is for the person to say, with the names listed.
 */
async function automationFor(path: string, named: string | undefined, target: string | undefined, io: CliIo): Promise<string | undefined> {
  const config = await loadConfig(path, io.env);
  if (named !== undefined || config.automations.length === 1) return soleAutomation(config, named).name;
  const names = config.automations.map((a) => a.name).join(', ');
  if (target === undefined) throw new UsageError(`${config.source} has ${config.automations.length} automations (${names}): name the one to work on with --automation NAME`);
  const holding: string[] = [];
  for (const a of config.automations) {
    const { deps } = await wire(path, io, { automation: a.name });
    if (await holdsTarget(deps, target)) holding.push(a.name);
  }
  if (holding.length === 1) {
    io.err.write(`tagpilot: ${target} is in automation ${holding[0]} (the only one of ${names} whose paths hold it)\n`);
    return holding[0];
  }
  if (holding.length === 0) throw new TagpilotError('operation-refused', `no automation of ${config.source} (${names}) holds ${target} in its paths (ids look like shop:deployment/web; see tagpilot workloads)`);
  throw new UsageError(`${target} is in the paths of several automations (${holding.join(', ')}): name one with --automation NAME`);
}

function local(repo: string, paths: string[] | undefined, request: OperationRequest, io: CliIo): Promise<{ plan: OperationPlan; commit?: string }> {
  return localWith(repo, paths, io, decideFor(request));
}

async function localWith(repo: string, paths: string[] | undefined, io: CliIo, decide: Decide): Promise<{ plan: OperationPlan; commit?: string }> {
  const dir = await checkoutDir(io.cwd, repo);
  const read = await readRepoFiles(dir, paths ?? ['.']);
  const found = findSlots(read.files);
  const plan = await decide(
    found.slots,
    () => readCheckoutHistory(dir, 1_000),
    (path) => readFile(join(dir, path), 'utf8').catch(() => undefined),
  );
  const edited = editFiles(read.files, plan.edits);
  if (edited.refused.length > 0) throw new TagpilotError('operation-refused', edited.refused.map((p) => `${p.subject}: ${p.message}`).join('; '));
  for (const w of plan.writes ?? []) edited.files.set(w.path, w.text);
  if (edited.files.size === 0) return { plan };
  for (const [path, text] of edited.files) await writeFile(join(dir, path), text);
  return { plan, commit: await commitInCheckout(dir, [...edited.files.keys()], plan.message, io.env) };
}

/** The commit is the person's when they gave an address; otherwise tagpilot's, with the person in the trailer. */
function personOr(by: string, fallback: GitAuthor): GitAuthor {
  const match = /^(.+?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(by);
  return match === null ? fallback : { name: match[1]!, email: match[2]! };
}

function report(io: CliIo, plan: OperationPlan, commit: string | undefined): void {
  const first = plan.trailers[0];
  if (commit === undefined) {
    io.out.write(`${first?.target ?? 'nothing'}: already so; nothing to commit\n`);
    return;
  }
  for (const line of plan.lines) io.out.write(`${line}\n`);
  io.out.write(`${plan.message.split('\n')[0]}\ncommitted ${commit.slice(0, 12)}\n`);
}
