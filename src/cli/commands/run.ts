import { runCycle } from '../../automation/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { timerDelay } from '../../policy/index.ts';
import { ClonePool, logReporter, runOnce, runOnSchedule, shutdownSignals, type Automation, type CycleSummary, type Reporter, type ScheduleOptions } from '../../runtime/index.ts';
import { clusterParts } from '../cluster.ts';
import { Followup, reverter } from '../followup.ts';
import { notifyParts } from '../notify-parts.ts';
import { EXIT, type CliIo } from '../io.ts';
import { exitForProblems } from '../outcome.ts';
import { wire, type WireOptions } from '../wire.ts';

export interface RunOptions extends WireOptions {
  config: string;
  once?: boolean;
  strict?: boolean;
}

/**
 * `tagpilot run --config FILE [--once]`: one cycle, or cycles on the configured interval until
 * SIGTERM/SIGINT; a signal lets the cycle in progress finish (src/runtime does the work).
 */
export async function run(options: RunOptions, io: CliIo): Promise<number> {
  let wired = await wire(options.config, io, options);
  const { config, automation: settings, deps } = wired;
  const notify = await notifyParts(config, io, deps.log);
  const name = `${deps.repo.description} (${deps.branch})`;
  // A cycle and an automatic revert take turns on the clone.
  const clone = new ClonePool<never>();
  const turn = <T>(work: () => Promise<T>, signal?: AbortSignal) => clone.exclusive('clone', work, signal);
  const followup = new Followup({ log: deps.log });
  followup.set(new Map([[name, { verify: settings.verify, notifier: notify?.notifier, revert: reverter(() => wired.deps, settings.onFailure, turn) }]]));
  const cluster = await clusterParts(config, settings, io, deps.log, { once: options.once === true, onVerified: (result) => followup.outcome(result) });
  const automation: Automation = {
    name,
    intervalMs: settings.interval,
    async cycle(signal) {
      // A rotated Secret (deploy key, token) is read again and used from this cycle on.
      if (await cluster.secretsChanged()) wired = await wire(options.config, io, options);
      const { deps: current, review } = wired;
      // A review flow commits to tagpilot's own branch and keeps one pull request per target (the hosting layer, loaded for it only).
      return turn<CycleSummary>(async () => (review === undefined ? runCycle({ ...current, signal }) : (await import('../../hosting/index.ts')).runReviewCycle({ ...current, signal }, review)), signal);
    },
  };
  const reporter = fanOut([logReporter(deps.log), ...cluster.reporters, ...(notify === undefined ? [] : [notify.reporter])]);
  try {
    if (options.once) {
      const outcome = await runOnce(automation, { reporter });
      return 'error' in outcome ? EXIT.failed : exitForProblems(outcome.report.problems, options.strict);
    }
    const shutdown = shutdownSignals();
    try {
      await onTurns(automation, cluster.turn, { reporter, stop: shutdown.stop, cancel: shutdown.cancel });
    } finally {
      shutdown.dispose();
    }
    return EXIT.ok;
  } finally {
    await cluster.close();
    await followup.close();
    await notify?.close();
  }
}

/**
 * Cycles on the interval, each only in this replica's turn: a standby replica waits for the
 * Lease, and runs a cycle as soon as it takes it over (a leader that died, or was stopped).
 */
async function onTurns(automation: Automation, turn: (stop: AbortSignal) => Promise<boolean>, options: ScheduleOptions): Promise<void> {
  if (!(await turn(options.stop))) return options.reporter.stopped();
  const wait = async (ms: number, stop: AbortSignal) => {
    await sleep(timerDelay(ms), undefined, { signal: stop }).catch(() => undefined);
    if (!stop.aborted) await turn(stop);
  };
  await runOnSchedule(automation, { ...options, wait });
}

function fanOut(reporters: readonly Reporter[]): Reporter {
  return {
    cycleEnded: (outcome) => {
      for (const r of reporters) r.cycleEnded(outcome);
    },
    stopped: () => {
      for (const r of reporters) r.stopped();
    },
  };
}
