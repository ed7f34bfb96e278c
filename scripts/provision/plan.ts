/**
 * Provisioning decisions and messages, pure: what is missing and this host's facts in, what to
 * do and what to say out. The I/O is in ./provision.ts.
 */
import { PURPOSES, type Component, type Probe, type Purpose } from './components.ts';

/** A component and those of its probes that found nothing. */
export interface Missing {
  component: Component;
  probes: readonly Probe[];
}

export interface Host {
  /** undefined where the platform has no uids. */
  uid: number | undefined;
  /** The text of /etc/os-release, if there is one. */
  osRelease: string | undefined;
  hasAptGet: boolean;
}

/** Why nothing was (or could be) installed. */
export type Refusal = { kind: 'not-debian'; id: string | undefined } | { kind: 'not-root' } | { kind: 'no-apt-get' } | { kind: 'apt-failed'; command: string; status: string; output: string };

export type Decision = { kind: 'ready' } | { kind: 'install'; packages: string[] } | { kind: 'refuse'; packages: string[]; refusal: Refusal };

/** The components that the named purposes need, plus any named by id, in table order. */
export function selectComponents(names: readonly string[], table: readonly Component[]): Component[] | { unknown: string[] } {
  const wanted = names.length === 0 ? PURPOSES : names;
  const unknown = wanted.filter((name) => !isPurpose(name) && !table.some((c) => c.id === name));
  if (unknown.length > 0) return { unknown };
  return table.filter((c) => wanted.includes(c.id) || c.neededBy.some((p) => wanted.includes(p)));
}

const isPurpose = (name: string): name is Purpose => (PURPOSES as readonly string[]).includes(name);

export function usage(table: readonly Component[]): string {
  return `Usage: node scripts/provision.ts [${PURPOSES.join('|')}|${table.map((c) => c.id).join('|')}]...\n` + 'Checks the system programs they need and, as root on Debian/Ubuntu, installs the missing ones with apt-get.\n';
}

export function decide(missing: readonly Missing[], host: Host): Decision {
  if (missing.length === 0) return { kind: 'ready' };
  const packages = packagesOf(missing);
  const release = osReleaseIds(host.osRelease);
  if (!release.debianLike) return { kind: 'refuse', packages, refusal: { kind: 'not-debian', id: release.id } };
  if (host.uid !== 0) return { kind: 'refuse', packages, refusal: { kind: 'not-root' } };
  if (!host.hasAptGet) return { kind: 'refuse', packages, refusal: { kind: 'no-apt-get' } };
  return { kind: 'install', packages };
}

function packagesOf(missing: readonly Missing[]): string[] {
  return [...new Set(missing.map((m) => m.component.package))];
}

/** ID and whether ID or ID_LIKE names Debian or Ubuntu (os-release(5)). */
export function osReleaseIds(text: string | undefined): { id: string | undefined; debianLike: boolean } {
  const field = (key: string) => text?.match(new RegExp(`^${key}=["']?([^"'\\n]*)`, 'm'))?.[1];
  const id = field('ID');
  const words = `${id ?? ''} ${field('ID_LIKE') ?? ''}`.split(/\s+/);
  return { id, debianLike: words.includes('debian') || words.includes('ubuntu') };
}

export interface AptStep {
  step: 'update' | 'install';
  /** apt-get's arguments. */
  args: string[];
}

/** The two apt-get runs, in order. */
export function aptSteps(packages: readonly string[]): AptStep[] {
  return [
    { step: 'update', args: ['update', '-qq'] },
    { step: 'install', args: ['install', '-y', '-qq', '--no-install-recommends', ...packages] },
  ];
}

/** What a person types to install the packages. */
export function aptCommand(packages: readonly string[], root: boolean): string {
  const sudo = root ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

export function describeProbe(probe: Probe): string {
  if ('command' in probe) return `no \`${probe.command}\` on PATH`;
  if ('file' in probe) return `no ${probe.file}`;
  return `no \`git ${probe.gitProgram.replace(/^git-/, '')}\` (${probe.gitProgram} in git --exec-path)`;
}

/** The one line said before installing. */
export function installLine(missing: readonly Missing[], packages: readonly string[]): string {
  return `provision: missing ${missing.map((m) => m.component.name).join(', ')}; installing with apt-get: ${packages.join(' ')}\n`;
}

/** What is missing and exactly how to install it, for when this run did not. */
export function refusalMessage(missing: readonly Missing[], packages: readonly string[], refusal: Refusal, root: boolean): string {
  return `${refusalCause(refusal)}\n${missingList(missing)}${refusalAdvice(refusal, packages, root)}`;
}

function refusalCause(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'not-debian':
      return `provision: these system programs are missing, and this is not Debian or Ubuntu (os-release ID: ${refusal.id ?? 'none'}), so nothing was installed:`;
    case 'not-root':
      return 'provision: these system programs are missing, and this is not root, so nothing was installed:';
    case 'no-apt-get':
      return 'provision: these system programs are missing, and there is no apt-get on PATH, so nothing was installed:';
    case 'apt-failed':
      return `provision: \`${refusal.command}\` failed (${refusal.status})${indent(refusal.output)}\nThese system programs are still missing:`;
  }
}

function refusalAdvice(refusal: Refusal, packages: readonly string[], root: boolean): string {
  const command = `  ${aptCommand(packages, root)}\n`;
  if (refusal.kind === 'not-debian') return `Install them with your system's package manager; on Debian/Ubuntu that is:\n${command}`;
  return `Install them with:\n${command}`;
}

/** Said when apt-get finished but a probe still finds nothing. */
export function stillMissingMessage(missing: readonly Missing[], packages: readonly string[]): string {
  return `provision: apt-get installed ${packages.join(' ')}, but these are still missing:\n${missingList(missing)}`;
}

function missingList(missing: readonly Missing[]): string {
  return missing.map((m) => `  - ${m.component.name} (package ${m.component.package}): ${m.probes.map(describeProbe).join(', ')}\n`).join('');
}

/** The last lines of a command's output, indented, for an error message. */
function indent(output: string): string {
  const lines = output
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-10);
  return lines.length === 0 ? '' : `:\n${lines.map((line) => `    ${line}`).join('\n')}`;
}
