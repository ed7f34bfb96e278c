import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import leven from 'leven';
import { parse } from 'yaml';
import type { z } from 'zod';
import type { OnRevert } from '../policy/index.ts';
import { TagpilotError } from '../problems/index.ts';
import { cacheDirProblem, configSchema, type Config, type GitSettings, type KubeSecretRef, type NotifyRouteConfig, type ReviewConfig, type Secret } from './schema.ts';

/** The configuration cannot be used as written: exit 2, with the file and field named. */
export class ConfigError extends TagpilotError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('config-invalid', message);
  }
}

/** One automation as the config gives it, defaults filled in from the top level. */
export interface AutomationConfig {
  name: string;
  git: GitSettings;
  review?: ReviewConfig;
  /** Time between cycles, ms. */
  interval: number;
  /** A cycle running longer is cancelled, and the watchdog counts it as no finished cycle (ms). */
  cycleTimeout: number;
  /** Where the settings stand in the file, for messages: `git` or `automations[2]`. */
  field: string;
  /** Rollout verification: whether its pushed workloads are watched, and the deadline (the automation's `verify`, else the top-level one). */
  verify: { enabled: boolean; deadline?: number };
  /** Its notification routes (its own `notify`, else the top-level), and where they stand in the file. */
  notify: NotifyRouteConfig[];
  notifyField: string;
  /** What a failed rollout does where the workload does not say. */
  onFailure: 'revert' | 'none';
  /** The automation's freeze windows: its own `freeze`, else the top-level one. */
  freeze: string[];
  /** The automation's on-revert default: its own `onRevert`, else the top-level one. */
  onRevert: OnRevert;
}

export interface LoadedConfig extends Omit<Config, 'git' | 'review' | 'automations' | 'cycleTimeout'> {
  /** Every automation: the `automations:` list, or the one a top-level `git:` makes. */
  automations: AutomationConfig[];
  /** Absolute cache directory: from the config (relative to its file), $TAGPILOT_CACHE_DIR, or ./.cache/tagpilot. */
  cacheDir: string;
  /** The file the config came from, for messages. */
  source: string;
}

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${source}: not valid YAML: ${(error as Error).message}`);
  }
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.flatMap(issueLines);
    throw new ConfigError(`${source}: invalid config:\n${lines.join('\n')}`);
  }
  const base = dirname(resolve(source));
  const cacheDir = result.data.cacheDir === undefined ? resolve(env.TAGPILOT_CACHE_DIR ?? '.cache/tagpilot') : resolve(base, result.data.cacheDir);
  const badCache = cacheDirProblem(cacheDir);
  if (badCache !== undefined) throw new ConfigError(`${source}: invalid config:\n  ${result.data.cacheDir === undefined ? '$TAGPILOT_CACHE_DIR' : 'cacheDir'}: ${badCache}`);
  const { git, review, automations, cycleTimeout, ...shared } = result.data;
  return { ...shared, automations: normalised(result.data), cacheDir, source };
}

/** The automations with the top-level defaults filled in; a top-level `git:` is one, named after its repository. */
function normalised(config: Config): AutomationConfig[] {
  const timeout = (git: GitSettings) => config.cycleTimeout ?? defaultCycleTimeout(config.registryDeadline, git.timeouts.operation);
  const top = { verify: { enabled: true, ...(config.verify?.deadline === undefined ? {} : { deadline: config.verify.deadline }) }, notify: config.notify ?? [], notifyField: 'notify', onFailure: config.onFailure };
  if (config.automations === undefined) {
    // The schema made sure there is a git section when there is no list.
    const git = config.git!;
    return [{ name: nameFromUrl(git.url), git, ...(config.review === undefined ? {} : { review: config.review }), interval: config.interval, cycleTimeout: timeout(git), field: 'git', ...top, freeze: config.freeze, onRevert: config.onRevert }];
  }
  return config.automations.map((a, i) => ({
    name: a.name,
    git: a.git,
    ...(a.review === undefined ? {} : { review: a.review }),
    interval: a.interval ?? config.interval,
    cycleTimeout: a.cycleTimeout ?? timeout(a.git),
    field: `automations[${i}]`,
    verify: a.verify === false ? { enabled: false } : a.verify?.deadline === undefined ? top.verify : { enabled: true, deadline: a.verify.deadline },
    notify: a.notify ?? top.notify,
    notifyField: a.notify === undefined ? 'notify' : `automations[${i}].notify`,
    onFailure: a.onFailure ?? config.onFailure,
    freeze: a.freeze ?? config.freeze,
    onRevert: a.onRevert ?? config.onRevert,
  }));
}

/**
 * A cycle's default bound: the registry phase plus three Git operations (fetch, push, read-back)
 * at their own bounds; a healthy cycle takes seconds, so only a stuck one ever meets it.
 */
export function defaultCycleTimeout(registryDeadlineMs: number, gitOperationMs: number): number {
  return registryDeadlineMs + 3 * gitOperationMs;
}

/** `https://git.example.com/platform/fleet.git` → `fleet`: the shorthand's automation name. */
export function nameFromUrl(url: string): string {
  const last =
    url
      .replace(/\.git\/?$/, '')
      .split(/[/:]/)
      .filter((part) => part !== '')
      .at(-1) ?? '';
  const name = last
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 63);
  return name === '' ? 'default' : name;
}

/**
 * The automation a single-automation command (run, plan, history) works on: the only one, or the
 * one `name` names; a config with several needs the name.
 */
export function soleAutomation(config: Pick<LoadedConfig, 'automations' | 'source'>, name?: string): AutomationConfig {
  const names = config.automations.map((a) => a.name);
  if (name !== undefined) {
    const found = config.automations.find((a) => a.name === name);
    if (found === undefined) throw new ConfigError(`${config.source}: no automation named "${name}" (it has ${names.join(', ')})`);
    return found;
  }
  if (config.automations.length === 1) return config.automations[0]!;
  throw new ConfigError(`${config.source}: it has ${config.automations.length} automations (${names.join(', ')}): name one with --automation, or run them all with tagpilot controller`);
}

function issueLines(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.join('.') || '(top level)';
  if (issue.code !== 'unrecognized_keys') return [`  ${where}: ${issue.message}`];
  const known = keysAt(issue.path);
  return issue.keys.map((key) => {
    const like = suggestKey(key, known);
    return `  ${where}: unknown key "${key}"${like === undefined ? '' : ` (did you mean "${like}"?)`}`;
  });
}

/** The parts of a zod schema walked to find an object's keys; zod's own types are per kind. */
interface SchemaNode {
  def: { type: string; innerType?: SchemaNode; in?: SchemaNode; element?: SchemaNode; valueType?: SchemaNode; shape?: Record<string, SchemaNode>; options?: SchemaNode[] };
}

/** The keys the schema allows in the object at `path` (every option's, for a union). */
function keysAt(path: readonly PropertyKey[]): string[] {
  let nodes = [configSchema as unknown as SchemaNode];
  for (const step of [...path, undefined]) {
    nodes = nodes.flatMap(unwrap);
    if (step === undefined) break;
    nodes = nodes.flatMap((n) => {
      const d = n.def;
      const next = d.type === 'object' ? d.shape?.[String(step)] : d.type === 'array' ? d.element : d.type === 'record' ? d.valueType : undefined;
      return next === undefined ? [] : [next];
    });
  }
  return nodes.flatMap((n) => (n.def.type === 'object' ? Object.keys(n.def.shape ?? {}) : []));
}

/** Through defaults, optionals, pipes and unions to the schemas that hold values. */
function unwrap(node: SchemaNode): SchemaNode[] {
  const d = node.def;
  const inner = d.innerType ?? (d.type === 'pipe' ? d.in : undefined);
  if (inner !== undefined) return unwrap(inner);
  if (d.type === 'union') return (d.options ?? []).flatMap(unwrap);
  return [node];
}

/**
 * The known key a mistyped one most likely meant: a near spelling (`brnch`), or a known key it
 * contains (`namedPolicies` for `policies`).
 */
export function suggestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const near = known
    .map((k) => ({ k, d: leven(lower, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(Math.max(k.length, key.length) / 3)))
    .sort((a, b) => a.d - b.d)[0];
  if (near !== undefined) return near.k;
  return known.find((k) => k.length >= 4 && lower.includes(k.toLowerCase()));
}

/**
 * Where `{ secret: { name, key, namespace? } }` references are read: the Kubernetes API (src/kube
 * implements it; the CLI passes it in when the config names one).
 */
export interface SecretSource {
  read(ref: KubeSecretRef, what: string): Promise<string>;
}

/** Reads a secret reference; the value itself never appears in errors. */
export async function readSecret(secret: Secret, what: string, env: NodeJS.ProcessEnv = process.env, source?: SecretSource): Promise<string> {
  if ('secret' in secret) {
    const { name, namespace } = secret.secret;
    if (source === undefined) throw new ConfigError(`${what}: Secret ${namespace === undefined ? '' : `${namespace}/`}${name} needs the Kubernetes API (run in a cluster, or set KUBECONFIG)`);
    return (await source.read(secret.secret, what)).trim();
  }
  if ('env' in secret) {
    const value = env[secret.env];
    if (value === undefined || value === '') throw new ConfigError(`${what}: environment variable ${secret.env} is not set`);
    return value;
  }
  try {
    return (await readFile(secret.file, 'utf8')).trim();
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${secret.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Every Kubernetes Secret the config names, wherever it names one: what the RBAC must grant, and what the CLI reads through the API. */
export function kubeSecretRefs(config: unknown): KubeSecretRef[] {
  const found: KubeSecretRef[] = [];
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    if ('secret' in value && Object.keys(value).length === 1) {
      const ref = (value as { secret: unknown }).secret;
      if (typeof ref === 'object' && ref !== null && 'name' in ref && 'key' in ref) found.push(ref as KubeSecretRef);
      return;
    }
    for (const v of Object.values(value)) walk(v);
  };
  walk(config);
  return found;
}
