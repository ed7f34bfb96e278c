import type { CycleDeps, RepositorySession, TagSource } from '../automation/index.ts';
import { canonicalRepository } from '../image/index.ts';
import { errorCode } from '../problems/index.ts';
import type { CycleContext, GitOperationOutcome } from './automation.ts';

/**
 * The cycle's ports as the controller hands them to one cycle: each Git operation timed and told,
 * the step it is in kept current (the watchdog names it), and every image repository asked about
 * remembered (registry webhooks route by them). The session itself stays shared (the clone pool).
 */
export function instrument<D extends Pick<CycleDeps, 'repo' | 'tags'>>(deps: D, context: CycleContext): D {
  return { ...deps, repo: instrumentRepo(deps.repo, context), tags: instrumentTags(deps.tags, context) };
}

function instrumentRepo(repo: RepositorySession, context: CycleContext): RepositorySession {
  const timed = async <T>(operation: 'fetch' | 'push', work: () => Promise<T>): Promise<T> => {
    context.activity(`git ${operation}`);
    const started = performance.now();
    try {
      const result = await work();
      context.gitOperation(operation, 'ok', performance.now() - started);
      return result;
    } catch (error) {
      context.gitOperation(operation, gitOutcome(error), performance.now() - started);
      throw error;
    }
  };
  // Object.create keeps the session's other methods (and its `description` getter) as they are.
  return Object.assign(Object.create(repo) as RepositorySession, {
    fetch: (...args: Parameters<RepositorySession['fetch']>) => timed('fetch', () => repo.fetch(...args)),
    push: (...args: Parameters<RepositorySession['push']>) => timed('push', () => repo.push(...args)),
    listFiles: (...args: Parameters<RepositorySession['listFiles']>) => {
      context.activity('reading manifests');
      return repo.listFiles(...args);
    },
  });
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
