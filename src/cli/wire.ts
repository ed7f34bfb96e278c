import { readFile } from 'node:fs/promises';
import { resolve, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, readSecret, soleAutomation, type AutomationConfig, type LoadedConfig, type Secret, type SecretSource } from '../config/index.ts';
import type { KubeClient, SecretStore } from '../kube/index.ts';
import { GitRepo, openPgpSigner, sshSigner, type CommitSigner, type GitRemote } from '../git/index.ts';
import { RegistryClient, SignatureChecker, type RegistryClientOptions, type RegistryObserver, type CloudAuth, type DockerConfig, type RegistrySettings, type SignaturePolicy } from '../registry/index.ts';
import { heldBudget, messageTemplate, type HeldBudget, type SignatureDeps, type CycleDeps, type RepositorySession } from '../automation/index.ts';
import type { NamedPolicy } from '../manifests/index.ts';
import { createPublicKey } from 'node:crypto';
import { parseFreezeWindow } from '../policy/index.ts';
import type { CliIo } from './io.ts';
import { logger, type LogFormatOption } from './log.ts';
import { readNamedPolicies } from './named-policies.ts';
import { withProgress } from './progress.ts';
import type { ReviewSettings } from '../hosting/index.ts';

export type { LogFormatOption };

export interface WireOptions extends LogFormatOption {
  /** The automation to wire, by name: needed when the config has several. */
  automation?: string;
}

/** Builds the cycle's components from a config file: its one automation, or the one named. */
export async function wire(configPath: string, io: CliIo, options: WireOptions = {}): Promise<{ config: LoadedConfig; automation: AutomationConfig; deps: CycleDeps; review?: ReviewSettings }> {
  // First: a bad LOG_FORMAT is reported before anything else is read.
  const log = await logger(io, options);
  const config = await loadConfig(configPath, io.env);
  const automation = soleAutomation(config, options.automation);
  const remote = await gitRemote(config, automation, io);
  // An unusable deploy key or URL is a configuration problem, reported as such (exit 2).
  const signer = await commitSigner(config, automation, remote, io);
  const onDamagedClone = (reason: string) => log.warn({ reason }, 'git: the local clone was damaged; dropped and cloned again');
  const repo = guardConfig(gitField(automation), () => GitRepo.forRemote(config.cacheDir, remote, { signer, onDamagedClone }));
  const registry = await registryClient(config, io, log);
  const shared: SharedDeps = {
    namedPolicies: readNamedPolicies(config),
    signatures: await signatureChecks(config, registry, io),
    registry,
    heldParses: heldBudget(COMMAND_HELD_TEXT_CHARS),
    ...(config.pullSecrets ? { pullSecrets: await pullSecretsOf(io, log) } : {}),
  };
  const deps = cycleDeps(config, automation, shared, repo, log);
  const review = await reviewOf(config, automation, io, log);
  return { config, automation, review, deps: withProgress(deps, io) };
}

/**
 * The text whose parses a command's one cycle (`plan`, `run --once`) holds for its edits: the
 * process runs one automation once and exits, so the budget is all its own, unlike a controller's
 * (HELD_TEXT_CHARS, shared by its automations). Some 20 MiB of heap at most; the cold plan of 500
 * workloads (750 KB of YAML, all held) peaks at the same RSS as with 256 KiB (docs/performance.md).
 */
export const COMMAND_HELD_TEXT_CHARS = 1024 * 1024;

/** What every automation of a config shares: the registry client, named policies, signature checks, the budget of held parses. */
export interface SharedDeps {
  registry: RegistryClient;
  heldParses: HeldBudget;
  namedPolicies: ReadonlyMap<string, NamedPolicy>;
  signatures: SignatureDeps | undefined;
  /** Each workload's own pull secrets (config pullSecrets), read through the Kubernetes API. */
  pullSecrets?: NonNullable<CycleDeps['pullSecrets']>;
}

/** One automation's cycle deps, on a repository session built from its remote. */
export function cycleDeps(config: LoadedConfig, automation: AutomationConfig, shared: SharedDeps, repo: RepositorySession, log: Logger): CycleDeps {
  const message = guardConfig(`${gitField(automation)}.message`, () => messageTemplate(automation.git.message));
  const { branch, pushBranch, paths, author, pushAttempts: maxAttempts, maxFileSize, maxCycleSize } = automation.git;
  const limits = { ...(maxFileSize === undefined ? {} : { maxFileBytes: maxFileSize }), ...(maxCycleSize === undefined ? {} : { maxCycleBytes: maxCycleSize }) };
  // The automation's own freeze windows and on-revert default, else the top-level ones (the schema read each window).
  const freeze = automation.freeze.map((text) => parseFreezeWindow(text));
  return {
    repo,
    tags: shared.registry,
    branch,
    pushBranch,
    paths,
    author,
    namedPolicies: shared.namedPolicies,
    heldParses: shared.heldParses,
    log,
    message,
    maxAttempts,
    registryDeadlineMs: config.registryDeadline,
    signatures: shared.signatures,
    freeze,
    onRevert: automation.onRevert,
    ...limits,
    ...(shared.pullSecrets === undefined ? {} : { pullSecrets: shared.pullSecrets }),
  };
}

/** The automation's review flow, its secrets read; undefined without one. */
export async function reviewOf(config: LoadedConfig, automation: AutomationConfig, io: CliIo, log: Logger): Promise<ReviewSettings | undefined> {
  if (automation.review === undefined) return undefined;
  // The hosting layer (pull requests on GitHub, GitLab, Gitea) is loaded only for a review flow.
  const { reviewSettings } = await import('./review.ts');
  return reviewSettings(automation, reviewField(automation), configReader(config, io), log);
}

/** Where an automation's git section is in the file: `git`, or `automations[2].git`. */
export function gitField(automation: Pick<AutomationConfig, 'field'>): string {
  return automation.field === 'git' ? 'git' : `${automation.field}.git`;
}

function reviewField(automation: Pick<AutomationConfig, 'field'>): string {
  return automation.field === 'git' ? 'review' : `${automation.field}.review`;
}

/** The config's signature policies with their files read, and its rules; undefined without a signatures section. */
export async function signatureChecks(config: LoadedConfig, registry: RegistryClient, io: CliIo, observer?: RegistryObserver): Promise<SignatureDeps | undefined> {
  if (config.signatures === undefined) return undefined;
  const read = configReader(config, io);
  const policies: SignaturePolicy[] = [];
  for (const [name, policy] of Object.entries(config.signatures.policies)) {
    const field = `signatures.policies.${name}`;
    if ('key' in policy) {
      const publicKey = await read.file(policy.key, `${field}.key`);
      guardConfig(`${field}.key`, () => createPublicKey(publicKey));
      policies.push({ name, kind: 'key', publicKey });
      continue;
    }
    const { trustedRoot: file, ...identity } = policy.keyless;
    const trustedRoot = file === undefined ? undefined : await read.file(file, `${field}.keyless.trustedRoot`);
    if (trustedRoot !== undefined) guardConfig(`${field}.keyless.trustedRoot`, () => JSON.parse(trustedRoot) as unknown);
    if (identity.identityRegexp !== undefined) guardConfig(`${field}.keyless.identityRegexp`, () => new RegExp(identity.identityRegexp ?? ''));
    policies.push({ name, kind: 'keyless', ...identity, trustedRoot });
  }
  const checker = new SignatureChecker({ registry, policies, cacheDir: config.cacheDir, observer });
  return { check: (ref, tag, policy) => checker.check(ref, tag, policy), rules: config.signatures.rules };
}

type ConfigFiles = Pick<LoadedConfig, 'source'>;

const kubeClients = new WeakMap<CliIo, Promise<KubeClient>>();
const secretStores = new WeakMap<CliIo, Promise<SecretStore>>();

/**
 * The Kubernetes API client of one invocation (its environment: in-cluster, or KUBECONFIG),
 * connected on first use, so a run that needs no API never loads the client.
 */
export function kubeClientOf(io: CliIo): Promise<KubeClient> {
  let client = kubeClients.get(io);
  if (client === undefined) {
    client = import('../kube/index.ts').then(({ connect }) => connect({ env: io.env }));
    kubeClients.set(io, client);
  }
  return client;
}

/**
 * The Kubernetes Secrets the config reads (`{ secret: … }`): one store per invocation, so a
 * re-wired config after a rotation reads through the same store the runtime refreshes.
 */
export function secretStoreOf(io: CliIo): Promise<SecretStore> {
  let store = secretStores.get(io);
  if (store === undefined) {
    store = Promise.all([import('../kube/index.ts'), kubeClientOf(io)]).then(([{ SecretStore }, client]) => new SecretStore(client));
    secretStores.set(io, store);
  }
  return store;
}

/** Each workload's own pull secrets, through the Kubernetes API (a store of their own: they are re-read every cycle anyway). */
export async function pullSecretsOf(io: CliIo, log: CycleDeps['log']): Promise<NonNullable<CycleDeps['pullSecrets']>> {
  const { parseWorkloadId, PullSecrets, SecretStore } = await import('../kube/index.ts');
  const client = await kubeClientOf(io);
  const pull = new PullSecrets({ client, secrets: new SecretStore(client), log });
  return async (id) => {
    const workload = parseWorkloadId(id);
    return workload === undefined ? undefined : pull.forWorkload(workload);
  };
}

/** One secret the config names, read as every other (env, file relative to the config, or a Kubernetes Secret). */
export function configSecret(config: ConfigFiles, io: CliIo, secret: Secret, what: string): Promise<string> {
  return configReader(config, io).secret(secret, what);
}

/** Reads secrets and files named in the config; relative paths are relative to the config file. */
export function configReader(config: ConfigFiles, io: CliIo) {
  const base = dirname(resolve(config.source));
  const kube: SecretSource = { read: async (ref, what) => (await secretStoreOf(io)).read(ref, what) };
  return {
    secret: (s: Secret, what: string) => readSecret('file' in s ? { file: resolve(base, s.file) } : s, what, io.env, kube),
    /** A key file named in a cloud auth is relative to the config, like every other file. */
    cloud: (auth: CloudAuth): CloudAuth => ('credentialsFile' in auth && auth.credentialsFile !== undefined ? { ...auth, credentialsFile: resolve(base, auth.credentialsFile) } : auth),
    async file(path: string, what: string): Promise<string> {
      try {
        return await readFile(resolve(base, path), 'utf8');
      } catch (error) {
        throw new ConfigError(`${what}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    },
  };
}

/** The remote with its secrets read (each call reads them again: a rotated secret is used from then on). */
export async function gitRemote(config: ConfigFiles, automation: Pick<AutomationConfig, 'git' | 'field'>, io: CliIo): Promise<GitRemote> {
  const g = automation.git;
  const field = gitField(automation);
  const read = configReader(config, io);
  const remote: GitRemote = { url: g.url, branch: g.branch, pushBranch: g.pushBranch, timeouts: { connectMs: g.timeouts.connect, idleMs: g.timeouts.idle, operationMs: g.timeouts.operation }, limits: g.limits };
  if (g.auth !== undefined) remote.auth = { username: g.auth.username, password: await read.secret(g.auth.password, `${field}.auth.password`) };
  if (g.caFile !== undefined) remote.ca = await read.file(g.caFile, `${field}.caFile`);
  if (g.ssh !== undefined) {
    remote.ssh = {
      privateKey: await read.secret(g.ssh.privateKey, `${field}.ssh.privateKey`).then((key) => `${key}\n`),
      passphrase: g.ssh.passphrase === undefined ? undefined : await read.secret(g.ssh.passphrase, `${field}.ssh.passphrase`),
      knownHosts: await read.secret(g.ssh.knownHosts, `${field}.ssh.knownHosts`),
    };
  }
  return remote;
}

/** The signing material `git.signing` names, read now: what a signer is built from (and compared by, to see a rotation). */
export async function signingKey(config: ConfigFiles, automation: Pick<AutomationConfig, 'git' | 'field'>, io: CliIo): Promise<{ key?: string; passphrase?: string } | undefined> {
  const signing = automation.git.signing;
  if (signing === undefined) return undefined;
  const read = configReader(config, io);
  const field = gitField(automation);
  const passphrase = signing.passphrase === undefined ? undefined : await read.secret(signing.passphrase, `${field}.signing.passphrase`);
  const key = signing.key === undefined ? undefined : await read.secret(signing.key, `${field}.signing.key`);
  return { key, passphrase };
}

/** The commit signer `git.signing` asks for: a dedicated key, or the SSH deploy key. */
export async function commitSigner(config: ConfigFiles, automation: Pick<AutomationConfig, 'git' | 'field'>, remote: GitRemote, io: CliIo): Promise<CommitSigner | undefined> {
  const signing = automation.git.signing;
  const material = await signingKey(config, automation, io);
  if (signing === undefined || material === undefined) return undefined;
  const { key, passphrase } = material;
  try {
    if (signing.format === 'openpgp') return await openPgpSigner(key!, passphrase);
    // The schema made sure there is a key: a dedicated one, or the deploy key.
    return key === undefined ? sshSigner(remote.ssh!.privateKey, remote.ssh!.passphrase) : sshSigner(`${key}\n`, passphrase);
  } catch (error) {
    throw new ConfigError(`${gitField(automation)}.signing: ${(error as Error).message}`);
  }
}

/** Tag lists are reused for a minute at most, and never across cycles: a short interval sees a new tag on its next cycle. */
const TAG_LIST_TTL_MS = 60_000;

type RegistryConfig = Pick<LoadedConfig, 'registries' | 'dockerConfig' | 'cacheDir' | 'source'> & Partial<Pick<LoadedConfig, 'interval'>>;

/** The registry client for a config: secrets read, CA files loaded, metadata cached under cacheDir. */
export async function registryClient(config: RegistryConfig, io: CliIo, log?: Logger, extra: Pick<RegistryClientOptions, 'observer' | 'tagCacheTtlMs'> = {}): Promise<RegistryClient> {
  const tagCacheTtlMs = extra.tagCacheTtlMs ?? Math.min(TAG_LIST_TTL_MS, config.interval ?? TAG_LIST_TTL_MS);
  return new RegistryClient({ ...(await registryOptions(config, io, log)), ...extra, tagCacheTtlMs });
}

/** What a registry client is built from, its secrets read now (the controller compares them to see a rotation). */
export async function registryOptions(config: RegistryConfig, io: CliIo, log?: Logger): Promise<RegistryClientOptions> {
  const read = configReader(config, io);
  const registries: RegistrySettings[] = [];
  const ca: string[] = [];
  for (const [i, r] of config.registries.entries()) {
    const { auth, caFile, listTimeout, ...settings } = r;
    const credentials = auth === undefined ? undefined : 'cloud' in auth ? read.cloud(auth) : 'helper' in auth ? { helper: auth.helper } : { username: auth.username, password: await read.secret(auth.password, `registries[${i}].auth.password`) };
    registries.push({ ...settings, listTimeoutMs: listTimeout, credentials });
    if (caFile !== undefined) ca.push(await read.file(caFile, `registries[${i}].caFile`));
  }
  const dockerConfig = config.dockerConfig === undefined ? undefined : parseDockerConfig(await read.secret(config.dockerConfig, 'dockerConfig'));
  const onCacheDamaged = (file: string, reason: string) => log?.warn({ file, reason }, 'registry cache: a damaged file was dropped and is fetched again');
  return { registries, ca, dockerConfig, cacheDir: config.cacheDir, env: io.env, onCacheDamaged };
}

/** The value is a secret: errors say what is wrong, never what it holds. */
function parseDockerConfig(text: string): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('dockerConfig: not JSON (expected a Docker config.json with "auths")');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError('dockerConfig: not a JSON object');
  return json as DockerConfig;
}

export function guardConfig<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new ConfigError(`${what}: ${(error as Error).message}`);
  }
}
