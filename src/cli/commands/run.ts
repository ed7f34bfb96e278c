import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCycle, type CycleReport } from '../../automation/cycle.ts';
import { EXIT, UsageError, type Command } from '../io.ts';
import { wire } from '../wire.ts';

/**
 * `tagpilot run --config FILE [--once]`: one cycle, or cycles on the configured interval until
 * SIGTERM/SIGINT; a signal lets the cycle in progress finish.
 */
export const runCommand: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, once: { type: 'boolean', default: false } } });
  if (values.config === undefined) throw new UsageError('run needs --config FILE');
  const { config, deps } = await wire(values.config, io);
  if (values.once) return exitFor(await cycleLogged(deps));

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    while (!stop.signal.aborted) {
      await cycleLogged(deps);
      await sleep(config.interval, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  deps.log.info('stopped');
  return EXIT.ok;

  async function cycleLogged(d: typeof deps): Promise<CycleReport | Error> {
    const started = performance.now();
    try {
      const report = await runCycle(d);
      for (const p of report.problems) d.log.warn({ subject: p.subject }, p.message);
      for (const w of report.locked) d.log.info({ workload: w }, 'locked; skipped');
      d.log.info({ head: report.head, commit: report.commit, changes: report.changes, ms: Math.round(performance.now() - started) }, report.commit === undefined ? 'cycle: nothing to change' : 'cycle: committed');
      return report;
    } catch (error) {
      d.log.error({ err: { message: (error as Error).message } }, 'cycle failed');
      return error as Error;
    }
  }
};

function exitFor(result: CycleReport | Error): number {
  if (result instanceof Error) return EXIT.failed;
  return result.problems.length > 0 ? EXIT.failed : EXIT.ok;
}
