import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { heldBudget, runCycle, type CycleDeps } from '../automation/index.ts';
import { ConfigError, parseConfig, type AutomationConfig, type LoadedConfig } from '../config/index.ts';
import { GitRepo, type LoggedCommit } from '../git/index.ts';
import { runReviewCycle } from '../hosting/index.ts';
import { canonicalRepository, parseImageRef } from '../image/index.ts';
import { allObservers, NO_NEEDS, RegistryClient, type RegistryObserver } from '../registry/index.ts';
import { ClonePool, cloneKey, ControllerState, fanOut, instrument, logReporter, stateReporter, Supervisor, watchConfigFile, type ControllerHints, type CycleSummary, type SupervisedAutomation } from '../runtime/index.ts';
import { commitUrlOf, ControllerMetrics, RecordedVerifications, StatusBoard } from '../server/index.ts';
import { ControllerCluster, type Nudges } from './cluster.ts';
import type { VerificationResult } from '../kube/index.ts';
import { controllerFollowup, Notifiers, recordedLookup, verifies } from './controller-followup.ts';
import { reverter, type AutomationFollowup, type Followup } from './followup.ts';
import type { CliIo } from './io.ts';
import { readNamedPolicies } from './named-policies.ts';
import { WebhookReceivers } from './webhooks.ts';
import { commitSigner, cycleDeps, gitField, gitRemote, guardConfig, pullSecretsOf, registryOptions, reviewOf, signatureChecks, signingKey, type SharedDeps } from './wire.ts';

/** What every automation shares, and what it was built from (a reload rebuilds it only when that changed). */
interface Shared {
  fingerprint: string;
  deps: SharedDeps;
  registry: RegistryClient;
}

/**
 * The controller's wiring: a config turned into supervised automations on one registry client and
 * one clone pool, applied again on each valid config change. Only this file knows how a config
 * becomes cycles; the runtime runs them and the server reads the state.
 */
export class Controller implements ControllerHints {
  readonly state: ControllerState;
  readonly metrics: ControllerMetrics;
  /** What the status page shows (docs/status-page.md). */
  readonly board: StatusBoard;
  private running: Supervisor | undefined;
  private cluster: ControllerCluster | undefined;
  private readonly receivers: WebhookReceivers;
  /** Verification, notifications and auto-revert after the pushes (docs/verification.md). */
  private followup: Followup | undefined;
  private readonly notifiers = new Notifiers();
  private readonly pool = new ClonePool<GitRepo>();
  private readonly io: CliIo;
  private readonly log: Logger;
  private readonly observer: RegistryObserver;
  /** Each automation's first-parent history read, for the status page (one clone writer at a time). */
  private readonly histories = new Map<string, (head: string, max: number) => Promise<LoggedCommit[]>>();
  private shared: Shared | undefined;
  private current: LoadedConfig | undefined;
  private watcher: { close(): void } | undefined;
  private reloading: Promise<void> = Promise.resolve();
  /** Whether this process verifies rollouts: decided at start. */
  private verifying = false;

  constructor(source: string, io: CliIo, log: Logger) {
    this.io = io;
    this.log = log;
    this.state = new ControllerState(source);
    this.metrics = new ControllerMetrics(this.state);
    this.observer = allObservers(this.state.registryObserver(), this.metrics.registryObserver());
    this.board = new StatusBoard({ registries: () => this.state.registries.values() });
    this.receivers = new WebhookReceivers(this, io, log);
  }

  /** The automations' loops (after start). */
  get supervisor(): Supervisor {
    if (this.running === undefined) throw new Error('the controller has not started');
    return this.running;
  }

  /** The config running now (after start). */
  get config(): LoadedConfig {
    if (this.current === undefined) throw new Error('the controller has no config yet');
    return this.current;
  }

  /** Reads and applies the config; a config error here is the process's (exit 2). */
  async start(): Promise<void> {
    const text = await readConfig(this.state.config.source);
    const config = parseConfig(text, this.state.config.source, this.io.env);
    const cluster = await ControllerCluster.start(this.io, this.log, this.metrics.clusterCounters());
    this.cluster = cluster;
    const followup = await controllerFollowup(config, this.io, this.log, { events: cluster.events, counters: this.metrics.clusterCounters(), onVerified: (result) => this.showVerified(result) });
    this.followup = followup;
    this.verifying = verifies(config, this.io);
    // What the verifier recorded before a restart, or on another replica, is on the page too.
    if (this.verifying) this.board.readRecorded(new RecordedVerifications({ lookup: await recordedLookup(this.io) }));
    const reporter = fanOut(logReporter(this.log, 'debug'), stateReporter(this.state), this.metrics, this.board.reporter(), ...cluster.reporters, followup.reporter);
    this.running = new Supervisor({ reporter, state: this.state, beforeCycle: () => this.rewiredOnRotation() });
    try {
      await this.apply(config);
    } catch (error) {
      // The Lease rounds and the receivers would keep a process that cannot start alive.
      await followup.close();
      await Promise.all([cluster.close(), this.receivers.close()]);
      throw error;
    }
    this.watcher = watchConfigFile(this.state.config.source, (next, error) => void this.reload(next, error), text);
  }

  /**
   * A changed config file: applied when valid, else the running one stays, with the error logged
   * and kept in the state. Reloads run one after the other, in the order the changes were seen.
   */
  reload(text: string | undefined, readError?: Error): Promise<boolean> {
    const next = this.reloading.then(() => this.reloadNow(text, readError));
    this.reloading = next.then(() => undefined);
    return next;
  }

  private async reloadNow(text: string | undefined, readError?: Error): Promise<boolean> {
    const source = this.state.config.source;
    try {
      if (text === undefined) throw new ConfigError(`${source}: cannot read config: ${readError?.message ?? 'unknown error'}`);
      await this.apply(parseConfig(text, source, this.io.env));
      this.metrics.configReloaded('applied');
      return true;
    } catch (error) {
      const message = (error as Error).message;
      this.state.config.lastError = { message, at: new Date() };
      this.metrics.configReloaded('invalid');
      this.log.error({ err: { message, code: 'config-invalid' }, generation: this.state.config.generation }, 'config reload refused: the running config stays');
      return false;
    }
  }

  async imagePushed(image: string, reason: string): Promise<string[]> {
    let repository: string;
    try {
      const ref = parseImageRef(image);
      repository = canonicalRepository(ref);
      // Past the cache: the cycles that follow read this fresh list.
      await this.shared?.registry.listTags(ref, NO_NEEDS, { fresh: true }).catch((error: unknown) => this.log.debug({ image, err: { message: (error as Error).message } }, 'listing after a push failed; the cycles ask again'));
    } catch {
      return [];
    }
    return this.running?.imagePushed(repository, reason) ?? [];
  }

  gitPushed(url: string, branch: string, reason: string): string[] {
    return this.running?.gitPushed(url, branch, reason) ?? [];
  }

  resync(automation: string, reason: string): boolean {
    return this.running?.resync(automation, reason) ?? false;
  }

  /** No new cycle; those in progress get the config's shutdownTimeout (or until `cancel`), then everything closes. */
  async shutdown(cancel?: AbortSignal): Promise<void> {
    this.watcher?.close();
    await this.running?.shutdown(this.current?.shutdownTimeout ?? 25_000, cancel);
    // Verifications end without an outcome; reverts in progress and the last messages finish.
    await this.followup?.close();
    await this.notifiers.settled();
    // After the cycles: the Leases released only once nothing of ours runs any more.
    await Promise.all([this.cluster?.close(), this.receivers.close()]);
    await this.shared?.registry.close();
    await Promise.all(this.pool.all().map((repo) => repo.close()));
  }

  /**
   * Before each cycle: when a Secret the config reads changed, the config in force (after any
   * reload queued) is applied again, and resolves once it is: the automations whose credentials
   * changed are replaced, and the replacement runs the cycle, with the new values.
   */
  private async rewiredOnRotation(): Promise<void> {
    if (this.cluster === undefined || !(await this.cluster.secretsChanged())) return;
    const rewired = this.reloading.then(() => (this.current === undefined ? undefined : this.apply(this.current))).catch((error: unknown) => this.log.warn({ err: { message: (error as Error).message } }, 'secrets: re-wiring after a rotation failed; the running automations stay'));
    this.reloading = rewired;
    await rewired;
  }

  /** Whether the process verifies rollouts is decided at start (always in a Pod): a reload that changes it says so. */
  private warnVerifyingChanged(config: LoadedConfig): void {
    if (verifies(config, this.io) === this.verifying) return;
    this.log.warn({ generation: this.state.config.generation + 1 }, `config reload: rollout verification stays ${this.verifying ? 'on' : 'off'} until the controller restarts (outside a Pod it is decided at start)`);
  }

  private async apply(config: LoadedConfig): Promise<void> {
    const previous = this.shared;
    const shared = await this.sharedFor(config);
    const nudges = await this.cluster!.nudges(config);
    const notifiers = await this.notifiers.forAutomations(config, config.automations, this.io, this.log);
    const followups = new Map<string, AutomationFollowup>();
    const automations = await Promise.all(
      config.automations.map((a) =>
        this.supervised(config, a, shared, nudges, (deps) =>
          followups.set(
            a.name,
            followupOf(a, deps, notifiers.get(a.name), (work) => this.pool.exclusive(cloneKey(a.git.url, a.git.branch), work)),
          ),
        ),
      ),
    );
    const receivers = await this.receivers.prepare(config);
    // Everything built: the new config replaces the old at once, leader election first (which automations run here).
    await this.cluster!.apply(config, this.supervisor);
    this.shared = shared;
    this.current = config;
    await receivers();
    const { applied, settled } = this.supervisor.apply(automations);
    this.followup?.set(followups);
    this.followup?.reconfigure(config.verify);
    this.warnVerifyingChanged(config);
    this.pool.retain(new Set(config.automations.map((a) => cloneKey(a.git.url, a.git.branch))));
    this.showOnBoard(config);
    Object.assign(this.state.config, { generation: this.state.config.generation + 1, loadedAt: new Date(), lastError: undefined });
    this.log.info({ generation: this.state.config.generation, ...applied }, this.state.config.generation === 1 ? 'config loaded' : 'config reloaded');
    if (previous !== undefined && previous !== shared) void settled.then(() => previous.registry.close()).catch(() => undefined);
  }

  /** A rollout verification's outcome, in the status page's history. */
  private showVerified({ target, outcome, reason, detail }: VerificationResult): void {
    const { namespace, kind, name } = target.workload;
    this.board.verified(target.automation, { at: new Date(), commit: target.commit, workload: `${namespace}:${kind.toLowerCase()}/${name}`, outcome, detail, ...(reason === undefined ? {} : { reason }) });
  }

  /** The board shows the automations of the config in force, each with the status its runner keeps. */
  private showOnBoard(config: LoadedConfig): void {
    const names = new Set(config.automations.map((a) => a.name));
    for (const name of this.board.names()) if (!names.has(name)) this.board.untrack(name);
    for (const name of this.histories.keys()) if (!names.has(name)) this.histories.delete(name);
    for (const a of config.automations) {
      const status = this.state.automations.get(a.name);
      if (status === undefined) continue;
      const commitUrl = commitUrlOf(config.server.status.commitUrl, a.git.url);
      const readHistory = this.histories.get(a.name);
      this.board.track({ name: a.name, intervalMs: a.interval, repository: a.git.url, branch: a.git.pushBranch ?? a.git.branch, author: a.git.author.name, ...(commitUrl === undefined ? {} : { commitUrl }), ...(readHistory === undefined ? {} : { readHistory }) }, status);
    }
  }

  /** The registry client and the rest the automations share; the running one while its settings stay the same. */
  private async sharedFor(config: LoadedConfig): Promise<Shared> {
    const tagCacheTtlMs = Math.min(...config.automations.map((a) => a.interval));
    // With the credentials as read now (a digest only): a rotated registry password makes a new client.
    const options = { ...(await registryOptions(config, this.io, this.log)), observer: this.observer, tagCacheTtlMs };
    const fingerprint = digest({ options, policies: config.policies, signatures: config.signatures, registryDeadline: config.registryDeadline, pullSecrets: config.pullSecrets });
    if (this.shared?.fingerprint === fingerprint) return this.shared;
    // One client for every automation: an image twenty repositories use is listed once per interval.
    const registry = new RegistryClient(options);
    // The automations read at once: the parses they hold for their edits share one budget.
    const heldParses = this.shared?.deps.heldParses ?? heldBudget();
    const deps: SharedDeps = { registry, namedPolicies: readNamedPolicies(config), signatures: await signatureChecks(config, registry, this.io, this.observer), heldParses, ...(config.pullSecrets ? { pullSecrets: await pullSecretsOf(this.io, this.log) } : {}) };
    return { fingerprint, deps, registry };
  }

  private async supervised(config: LoadedConfig, automation: AutomationConfig, shared: Shared, nudges: Nudges | undefined, wired: (deps: CycleDeps) => void): Promise<SupervisedAutomation> {
    const remote = await gitRemote(config, automation, this.io);
    const signing = await signingKey(config, automation, this.io);
    const signer = await commitSigner(config, automation, remote, this.io);
    const key = cloneKey(automation.git.url, automation.git.branch);
    // The secrets go into the fingerprint as a digest only: a rotated one makes a new session.
    const connection = digest({ remote, signing });
    const log = this.log.child({ automation: automation.name });
    const repo = this.pool.session(key, connection, () => guardConfig(gitField(automation), () => GitRepo.forRemote(config.cacheDir, remote, { signer, onDamagedClone: (reason) => log.warn({ reason }, 'git: the local clone was damaged; dropped and cloned again') })));
    const deps = cycleDeps(config, automation, shared.deps, repo, log);
    wired(deps);
    const review = await reviewOf(config, automation, this.io, log);
    const pool = this.pool;
    this.histories.set(automation.name, (head, max) => pool.exclusive(key, () => repo.firstParents(head, max)));
    return {
      name: automation.name,
      intervalMs: automation.interval,
      cycleTimeoutMs: automation.cycleTimeout,
      fingerprint: digest({ automation, connection, shared: shared.fingerprint, nudges: nudges?.fingerprint }),
      repository: { url: automation.git.url, branches: [automation.git.branch], pushBranch: automation.git.pushBranch },
      afterPush: nudges?.afterPush,
      async cycle(signal, context) {
        const wired = { ...(context === undefined ? deps : instrument(deps, context)), signal };
        // One writer per clone: automations on the same URL and branch take turns.
        return pool.exclusive<CycleSummary>(key, () => (review === undefined ? runCycle(wired) : runReviewCycle(wired, review)), signal);
      },
    };
  }
}

/** An automation's follow-up: a review flow's commit is on tagpilot's branch, which no sync loop applies: neither verified nor reverted. */
function followupOf(automation: AutomationConfig, deps: CycleDeps, notifier: AutomationFollowup['notifier'], turn: <T>(work: () => Promise<T>) => Promise<T>): AutomationFollowup {
  const direct = automation.git.pushBranch === undefined && automation.review === undefined;
  return { verify: direct ? automation.verify : { enabled: false }, notifier, ...(direct ? { revert: reverter(() => deps, automation.onFailure, turn) } : {}) };
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

async function readConfig(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read config: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
