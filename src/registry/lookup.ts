import { repositoryName, type ImageRef } from '../image/index.ts';
import type { PolicyNeeds, TagInfo } from '../policy/index.ts';
import type { ListOptions, TagList } from './client.ts';
import { REGISTRY_CODES, RegistryError, TransportError } from './errors.ts';
import { deadline } from './limits.ts';

/** What a cycle wants to know about one repository (by canonical name). */
export interface TagQuery {
  ref: ImageRef;
  needs: PolicyNeeds;
  /** Tags whose digest must be current (a `digest:` policy following a mutable tag). */
  digestsFor: readonly string[];
  /**
   * Tags the list should hold: the current tags of slots ranked by build time, which cannot be
   * ranked without their entry. Missing from a list that may be stale, the list is asked for again,
   * bypassing the cache.
   */
  expected: readonly string[];
  /** The slots' workload's own credentials (its pull secrets), instead of the configured ones. */
  pullSecrets?: ListOptions['pullSecrets'];
}

/** The one method of the registry client a lookup uses (tests pass a fake). */
export interface TagLister {
  listTags(ref: ImageRef, needs: PolicyNeeds, options: ListOptions): Promise<TagList>;
}

export interface LookupOptions {
  /** The registry phase of one plan ends by then: a repository without an answer is its own problem. */
  deadlineMs?: number;
  /** Warnings the registry client had about a list (invalid names dropped, metadata missing). */
  onWarning?: (repository: string, warning: string) => void;
}

export const DEFAULT_REGISTRY_DEADLINE_MS = 60_000;

type Answer = TagList | Error;

/**
 * A cycle's questions to the registries: each repository asked once across the cycle's push
 * attempts, all of them within a deadline, so a slow or stuck registry holds back only its own
 * slots. After a lost race `expire()` makes the next round ask again, past every cache: the
 * winner saw newer tags than ours.
 */
export class TagLookup {
  private readonly lister: TagLister;
  private readonly deadlineMs: number;
  private readonly onWarning: LookupOptions['onWarning'];
  /** Each repository's answer, with the round (`fetch` call) that asked for it. */
  private answers = new Map<string, { round: number; answer: Promise<Answer> }>();
  private round = 0;
  /** Repositories that failed this cycle: not asked again after a lost race (a stuck registry would cost the deadline each time). */
  private readonly failed = new Map<string, Error>();
  private bypassCache = false;

  constructor(lister: TagLister, options: LookupOptions = {}) {
    this.lister = lister;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_REGISTRY_DEADLINE_MS;
    this.onWarning = options.onWarning;
  }

  /** Every query answered, or its error; resolves by the deadline at the latest (or when `signal`, the cycle's, fires). */
  async fetch(queries: ReadonlyMap<string, TagQuery>, signal?: AbortSignal): Promise<Map<string, readonly TagInfo[] | Error>> {
    const round = ++this.round;
    const limit = deadline(this.deadlineMs, () => phaseDeadline(this.deadlineMs), signal);
    let onExpired = () => {};
    const expired = new Promise<void>((resolve) => {
      onExpired = () => resolve();
      limit.signal.addEventListener('abort', onExpired, { once: true });
    });
    try {
      const entries = await Promise.all(
        [...queries].map(async ([key, query]) => {
          let settled = false;
          const answered = this.answer(key, query, round, limit.signal).finally(() => (settled = true));
          const answer = await Promise.race([answered, expired.then(() => (settled ? answered : this.timedOut(key, query)))]);
          return [key, answer instanceof Error ? answer : answer.tags] as const;
        }),
      );
      return new Map(entries);
    } finally {
      limit.clear();
      // The deadline's signal follows the caller's, which outlives the cycle: Node keeps a signal
      // made by AbortSignal.any() alive while it has an abort listener, so one left here would
      // keep this lookup, and every tag list it holds, for as long as the caller's signal lives.
      limit.signal.removeEventListener('abort', onExpired);
    }
  }

  /** The next `fetch` asks every registry again, bypassing caches; failures stay failed for this cycle. */
  expire(): void {
    this.bypassCache = true;
    this.answers = new Map([...this.failed].map(([key, error]) => [key, { round: 0, answer: Promise.resolve(error) }]));
  }

  /** Settled now, though the cancelled listing may reject a moment later. */
  private timedOut(key: string, query: TagQuery): Error {
    const error = phaseError(query.ref, this.deadlineMs);
    this.failed.set(key, error);
    this.answers.set(key, { round: this.round, answer: Promise.resolve(error) });
    return error;
  }

  private async answer(key: string, query: TagQuery, round: number, signal: AbortSignal): Promise<Answer> {
    let entry = this.answers.get(key);
    if (entry === undefined) this.answers.set(key, (entry = { round, answer: this.list(key, query, this.bypassCache, signal) }));
    const answer = await entry.answer;
    if (answer instanceof Error || !missesExpected(answer, query)) return answer;
    // Cached, or from an earlier round, a list without a current tag may be stale: another writer moved the slot on.
    if (!answer.cached && entry.round === round) return answer;
    const again = this.list(key, query, true, signal);
    this.answers.set(key, { round, answer: again });
    return again;
  }

  private list(key: string, query: TagQuery, fresh: boolean, signal: AbortSignal): Promise<Answer> {
    return this.lister.listTags(query.ref, query.needs, { digestsFor: query.digestsFor, fresh, signal, ...(query.pullSecrets === undefined ? {} : { pullSecrets: query.pullSecrets }) }).then(
      (list) => {
        for (const warning of list.warnings) this.onWarning?.(key, warning);
        return list;
      },
      (error: Error) => {
        this.failed.set(key, error);
        return error;
      },
    );
  }
}

function missesExpected(list: TagList, query: TagQuery): boolean {
  if (query.expected.length === 0) return false;
  const listed = new Set(list.tags.map((t) => t.tag));
  return query.expected.some((tag) => !listed.has(tag));
}

function phaseDeadline(ms: number): TransportError {
  return new TransportError(`no answer within the registry deadline (${ms / 1000}s)`, false, undefined, { code: REGISTRY_CODES.registryDeadline, data: { deadlineMs: ms } });
}

function phaseError(ref: ImageRef, ms: number): RegistryError {
  return new RegistryError(repositoryName(ref), `no answer within the registry deadline (${ms / 1000}s); its slots stay as they are until a later cycle`, { code: REGISTRY_CODES.registryDeadline, data: { deadlineMs: ms } });
}
