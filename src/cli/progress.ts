import type { CycleDeps } from '../automation/index.ts';
import { isInteractive, type CliIo } from './io.ts';

export interface ProgressTiming {
  /** A phase that has run this long is worth a line. */
  slowMs: number;
  /** Then a line this often while it lasts. */
  everyMs: number;
}

const TIMING: ProgressTiming = { slowMs: 1_000, everyMs: 3_000 };

/**
 * For a person at a terminal: a line on stderr when the Git sync (a first clone) or the registry
 * scan takes a while, so a long first run does not look like a hang. Nothing for pipes, files or
 * the container, whose logs stay JSON only.
 */
export function withProgress(deps: CycleDeps, io: CliIo, timing: ProgressTiming = TIMING): CycleDeps {
  if (!isInteractive(io.err)) return deps;
  const say = (text: string) => void io.err.write(`tagpilot: ${text}\n`);
  // The cycle's two long calls, through its ports.
  const { repo, tags } = deps;
  const scan = new Tally(timing, (done, total) => say(`registries: ${done} of ${total} repositories answered…`));
  return {
    ...deps,
    repo: Object.assign(Object.create(repo) as typeof repo, { fetch: (...args: Parameters<typeof repo.fetch>) => whenSlow(repo.fetch(...args), timing, () => say('syncing the Git repository (a first run clones it)…')) }),
    tags: { listTags: (...args: Parameters<typeof tags.listTags>) => scan.track(tags.listTags(...args)) },
  };
}

/** Calls `onSlow` once if `work` is still running after `slowMs`. */
export function whenSlow<T>(work: Promise<T>, timing: Pick<ProgressTiming, 'slowMs'>, onSlow: () => void): Promise<T> {
  const timer = setTimeout(onSlow, timing.slowMs);
  timer.unref();
  return work.finally(() => clearTimeout(timer));
}

/** Counts concurrent work; reports done/total every `everyMs` once a batch has run for `slowMs`. */
export class Tally {
  private done = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly timing: ProgressTiming;
  private readonly report: (done: number, total: number) => void;

  constructor(timing: ProgressTiming, report: (done: number, total: number) => void) {
    this.timing = timing;
    this.report = report;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.total++;
    this.start();
    return work.finally(() => {
      this.done++;
      if (this.done === this.total) this.stop();
    });
  }

  private start(): void {
    if (this.timer !== undefined) return;
    const tick = () => {
      this.report(this.done, this.total);
      this.timer = setTimeout(tick, this.timing.everyMs).unref();
    };
    this.timer = setTimeout(tick, this.timing.slowMs).unref();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.done = 0;
    this.total = 0;
  }
}
