/**
 * Checks the system programs the demo or the tests need and installs the missing ones where it
 * can (root on Debian/Ubuntu). Everything it touches comes in through ProvisionEnv, so tests run
 * it against a made-up machine.
 */
import { COMPONENTS, type Component, type Probe } from './components.ts';
import { aptSteps, decide, installLine, refusalMessage, selectComponents, stillMissingMessage, usage, type Missing } from './plan.ts';

export interface RunResult {
  /** The exit status, or null when the program did not run or was killed. */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run or was stopped (ENOENT, a timeout). */
  error?: string;
}

export interface ProvisionEnv {
  /** Whether an executable of this name is on PATH. */
  onPath(name: string): boolean;
  /** Whether the file at this absolute path exists and is executable. */
  isExecutable(path: string): boolean;
  uid: number | undefined;
  osRelease: string | undefined;
  run(command: string, args: readonly string[], options: { env: Record<string, string>; timeoutMs: number }): RunResult;
  out(text: string): void;
  err(text: string): void;
}

export const EXIT = { ok: 0, missing: 1, usage: 2 } as const;

/** apt can be slow on a cold mirror, never endless. */
const APT_TIMEOUT_MS = { update: 10 * 60_000, install: 30 * 60_000 } as const;
const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };

/** `args`: purposes (demo, test) or component ids; none means every purpose. Returns the exit code. */
export function provision(args: readonly string[], env: ProvisionEnv, table: readonly Component[] = COMPONENTS): number {
  const selected = selectComponents(args, table);
  if (!Array.isArray(selected)) {
    env.err(`provision: unknown ${selected.unknown.join(', ')}\n${usage(table)}`);
    return EXIT.usage;
  }
  const missing = findMissing(selected, env);
  const decision = decide(missing, { uid: env.uid, osRelease: env.osRelease, hasAptGet: env.onPath('apt-get') });
  if (decision.kind === 'ready') return EXIT.ok;
  const root = env.uid === 0;
  if (decision.kind === 'refuse') {
    env.err(refusalMessage(missing, decision.packages, decision.refusal, root));
    return EXIT.missing;
  }
  env.out(installLine(missing, decision.packages));
  for (const { step, args } of aptSteps(decision.packages)) {
    const result = env.run('apt-get', args, { env: APT_ENV, timeoutMs: APT_TIMEOUT_MS[step] });
    if (result.status === 0) continue;
    const status = result.error ?? (result.status === null ? 'killed' : `exit ${result.status}`);
    env.err(refusalMessage(missing, decision.packages, { kind: 'apt-failed', command: `apt-get ${args.join(' ')}`, status, output: `${result.stdout}\n${result.stderr}` }, root));
    return EXIT.missing;
  }
  const still = findMissing(selected, env);
  if (still.length === 0) return EXIT.ok;
  env.err(stillMissingMessage(still, decision.packages));
  return EXIT.missing;
}

function findMissing(components: readonly Component[], env: ProvisionEnv): Missing[] {
  const found = probeWith(env);
  return components.map((component) => ({ component, probes: component.probes.filter((p) => !found(p)) })).filter((m) => m.probes.length > 0);
}

function probeWith(env: ProvisionEnv): (probe: Probe) => boolean {
  let execPath: string | undefined;
  const gitExecPath = () => {
    if (execPath !== undefined) return execPath;
    const result = env.onPath('git') ? env.run('git', ['--exec-path'], { env: {}, timeoutMs: 10_000 }) : undefined;
    execPath = result?.status === 0 ? result.stdout.trim() : '';
    return execPath;
  };
  return (probe) => {
    if ('command' in probe) return env.onPath(probe.command);
    if ('file' in probe) return env.isExecutable(probe.file);
    const dir = gitExecPath();
    return dir !== '' && env.isExecutable(`${dir}/${probe.gitProgram}`);
  };
}
