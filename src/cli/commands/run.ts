import { runCycle } from '../../automation/index.ts';
import { runReviewCycle } from '../../hosting/index.ts';
import { logReporter, runOnce, runOnSchedule, shutdownSignals, type Automation } from '../../runtime/index.ts';
import { EXIT, type CliIo } from '../io.ts';
import { exitForProblems } from '../outcome.ts';
import { wire, type LogFormatOption } from '../wire.ts';

export interface RunOptions extends LogFormatOption {
  config: string;
  once?: boolean;
  strict?: boolean;
}

/**
 * `tagpilot run --config FILE [--once]`: one cycle, or cycles on the configured interval until
 * SIGTERM/SIGINT; a signal lets the cycle in progress finish (src/runtime does the work).
 */
export async function run(options: RunOptions, io: CliIo): Promise<number> {
  const { config, deps, review } = await wire(options.config, io, options);
  const automation: Automation = {
    name: `${deps.repo.description} (${deps.branch})`,
    intervalMs: config.interval,
    // A review flow commits to tagpilot's own branch and keeps one pull request per target.
    cycle: (signal) => (review === undefined ? runCycle({ ...deps, signal }) : runReviewCycle({ ...deps, signal }, review)),
  };
  const reporter = logReporter(deps.log);
  if (options.once) {
    const outcome = await runOnce(automation, { reporter });
    return 'error' in outcome ? EXIT.failed : exitForProblems(outcome.report.problems, options.strict);
  }
  const shutdown = shutdownSignals();
  try {
    await runOnSchedule(automation, { reporter, stop: shutdown.stop, cancel: shutdown.cancel });
  } finally {
    shutdown.dispose();
  }
  return EXIT.ok;
}
