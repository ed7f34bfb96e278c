import type { CycleDeps, RepositorySession, TagSource } from '../automation/index.ts';
import { canonicalRepository } from '../image/index.ts';
import { errorCode } from '../problems/index.ts';
import type { CycleContext, GitOperationOutcome } from './automation.ts';

/**
 * The cycle's ports as the controller hands them to one cycle: each Git operation timed and told,
 * the step it is in kept current (the watchdog names it), and every image repository asked about
 * remembered (registry webhooks route by them). The session itself stays shared (the clone pool).
 *
 * The session a cycle gets is the same object from one cycle of the automation to the next (one
 * per wiring, `deps`, and session), told of each cycle's context in turn: what the cycle keeps
 * per session (the slots found at a commit, the history's fold) is keyed on that object, and a
 * new wrapper per cycle made every cycle read and parse every file again. An automation runs one
 * cycle at a time (its runner awaits each), so one context at a time is the wrapper's.
 */
export function instrument<D extends Pick<CycleDeps, 'repo' | 'tags'>>(deps: D, context: CycleContext): D {
  let known = sessions.get(deps);
  if (known?.session !== deps.repo) sessions.set(deps, (known = instrumentRepo(deps.repo)));
  known.context = context;
  return { ...deps, repo: known.repo, tags: instrumentTags(deps.tags, context) };
}

interface Instrumented {
  session: RepositorySession;
  repo: RepositorySession;
  /** The context of the automation's cycle in progress. */
  context: CycleContext | undefined;
}

/** Each wiring's instrumented session: dropped with the wiring (a config reload makes a new one). */
const sessions = new WeakMap<object, Instrumented>();

function instrumentRepo(repo: RepositorySession): Instrumented {
  const made: Instrumented = { session: repo, repo, context: undefined };
  const timed = async <T>(operation: 'fetch' | 'push', work: () => Promise<T>): Promise<T> => {
    const context = made.context;
    context?.activity(`git ${operation}`);
    const started = performance.now();
    try {
      const result = await work();
      context?.gitOperation(operation, 'ok', performance.now() - started);
      return result;
    } catch (error) {
      context?.gitOperation(operation, gitOutcome(error), performance.now() - started);
      throw error;
    }
  };
  // Object.create keeps the session's other methods (and its `description` getter) as they are.
  made.repo = Object.assign(Object.create(repo) as RepositorySession, {
    fetch: (...args: Parameters<RepositorySession['fetch']>) => timed('fetch', () => repo.fetch(...args)),
    push: (...args: Parameters<RepositorySession['push']>) => timed('push', () => repo.push(...args)),
    listFiles: (...args: Parameters<RepositorySession['listFiles']>) => {
      made.context?.activity('reading manifests');
      return repo.listFiles(...args);
    },
  });
  return made;
}

function instrumentTags(tags: TagSource, context: CycleContext): TagSource {
  return {
    listTags(ref, needs, options) {
      context.activity('registry');
      context.usedImage(canonicalRepository(ref));
      return tags.listTags(ref, needs, options);
    },
  };
}

export function gitOutcome(error: unknown): GitOperationOutcome {
  const code = errorCode(error);
  if (code === 'push-race-lost') return 'lost-race';
  if (code === 'push-rejected') return 'rejected';
  if (code === 'cancelled') return 'cancelled';
  return 'failed';
}
