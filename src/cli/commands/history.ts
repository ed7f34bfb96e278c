import { join, resolve } from 'node:path';
import { buildHistory, buildOperations, type HistoryEntry, type LoggedCommit, type OperationEntry } from '../../automation/index.ts';
import { loadConfig, soleAutomation } from '../../config/index.ts';
import { findGitDir, readLog, GitRepo } from '../../git/index.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { table } from '../table.ts';
import { gitRemote, kubeClientOf } from '../wire.ts';
import { formatVerified, type Verified } from '../present.ts';

/**
 * `tagpilot history [--repo DIR | --config FILE] [--workload ID] [--since DATE] [--json]`: the
 * bot's changes read back from Git by their trailers, reverted ones marked.
 */
export interface HistoryOptions {
  repo?: string;
  config?: string;
  /** With --config: the automation whose branch to read, when the config has several. */
  automation?: string;
  workload?: string;
  since?: string;
  /** Each update's verification outcome, from the cluster's Events. */
  verified?: boolean;
  json?: boolean;
}

type Shown = (HistoryEntry & { verified?: Verified }) | OperationEntry;

export async function history(values: HistoryOptions, io: CliIo): Promise<number> {
  if ((values.repo === undefined) === (values.config === undefined)) throw new UsageError('history needs one of --repo DIR or --config FILE');
  const since = values.since === undefined ? undefined : parseDate(values.since);
  const commits = values.repo !== undefined ? await localLog(resolve(io.cwd, values.repo), since) : await remoteLog(resolve(io.cwd, values.config!), values.automation, io, since);
  const filter = { workload: values.workload, since };
  // Updates and operations in the log's order (newest first), whichever commit holds them.
  const order = new Map(commits.map((c, i) => [c.oid, i]));
  const updates = values.verified === true ? await withVerified(buildHistory(commits, filter), io) : buildHistory(commits, filter);
  const entries: Shown[] = [...updates, ...buildOperations(commits, filter)].sort((a, b) => order.get(a.commit)! - order.get(b.commit)!);
  if (values.json) {
    io.out.write(JSON.stringify(entries, null, 2) + '\n');
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.out.write('No tagpilot commits found.\n');
    return EXIT.ok;
  }
  io.out.write(
    table(
      ['WHEN', 'COMMIT', 'WORKLOAD', 'CONTAINER', 'CHANGE', 'POLICY', 'STATUS'],
      entries.map((e) => ('operation' in e ? operationRow(e) : row(e))),
    ),
  );
  return EXIT.ok;
}

/** An operation: the verb, what moved, who and why. */
function operationRow(e: OperationEntry): string[] {
  const when = `${e.when.slice(0, 10)} ${e.when.slice(11, 16)}`;
  const moved = e.to === undefined ? '' : ` ${e.image ?? ''} ${e.from ?? '?'} → ${e.to}`;
  return [when, e.commit.slice(0, 12), e.workload, e.container ?? '-', `${e.operation}${moved} by ${e.by}${e.reason === undefined ? '' : `: ${e.reason}`}`, e.policy ?? '-', ''];
}

function row(e: HistoryEntry & { verified?: Verified }): string[] {
  const when = `${e.when.slice(0, 10)} ${e.when.slice(11, 16)}`;
  const status = [e.revertedBy === undefined ? '' : `reverted by ${e.revertedBy.slice(0, 12)}`, e.verified === undefined ? '' : formatVerified(e.verified)].filter((s) => s !== '').join('; ');
  return [when, e.commit.slice(0, 12), e.workload, e.container ?? '-', `${e.image} ${e.from} → ${e.to}`, e.policy ?? '-', status];
}

/** Each update with its workload's verification outcome for its commit, when the cluster's Events still hold one. */
async function withVerified(entries: HistoryEntry[], io: CliIo): Promise<(HistoryEntry & { verified?: Verified })[]> {
  const workloads = [...new Set(entries.map((e) => e.workload).filter((w) => w.includes(':')))];
  if (workloads.length === 0) return entries;
  const { readVerifications } = await import('../../kube/index.ts');
  const found = await readVerifications(await kubeClientOf(io), workloads, (ns, error) => io.err.write(`tagpilot history: the Events of namespace ${ns} cannot be read: ${error.message}\n`));
  return entries.map((e) => {
    const verified = found.get(e.workload)?.get(e.commit.slice(0, 12));
    return verified === undefined ? e : { ...e, verified };
  });
}

async function localLog(dir: string, since: Date | undefined): Promise<LoggedCommit[]> {
  const gitdir = findGitDir(dir);
  if (gitdir === undefined) throw new UsageError(`${dir}: not a git repository`);
  return readLog(gitdir, 'HEAD', since);
}

async function remoteLog(configPath: string, name: string | undefined, io: CliIo, since: Date | undefined): Promise<LoggedCommit[]> {
  const config = await loadConfig(configPath, io.env);
  const automation = soleAutomation(config, name);
  // Its own clone: deepening the cycle's shallow clone would slow every later cycle.
  const repo = GitRepo.forRemote(join(config.cacheDir, 'history'), await gitRemote(config, automation, io));
  try {
    return await repo.log(since);
  } finally {
    await repo.close();
  }
}

function parseDate(text: string): Date {
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--since: "${text}" is not a date (use 2024-05-01 or an ISO 8601 time)`);
  return date;
}
