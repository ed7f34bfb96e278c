import type { NamedPolicy } from '../manifests/index.ts';
import type { RepositorySession } from './ports.ts';
import { readSlots, type HeldBudget, type ReadLimits, type RepoSlots } from './read.ts';

export interface FindDeps {
  repo: RepositorySession;
  paths: readonly string[];
  namedPolicies?: ReadonlyMap<string, NamedPolicy> | undefined;
  /** The budget of text whose parses the read holds for the cycle's edits (see HeldBudget). */
  heldParses?: HeldBudget | undefined;
}

interface Last {
  head: string;
  paths: readonly string[];
  named: FindDeps['namedPolicies'];
  limits: ReadLimits;
  found: RepoSlots;
}

/** The last commit each repository session was read at, and what it held. */
const last = new WeakMap<RepositorySession, Last>();

/**
 * The slots at `head`, read with the streaming read (readSlots); when the repository is still at
 * the commit the last cycle read, with the same paths, named policies and limits, what was found
 * then is used again: same commit, same files, same slots. So a controller's cycle with nothing
 * new reads no blob and parses no YAML. Only the listing of the files with an automated slot is
 * kept between cycles (path, oid and size: an edit then reads its file again); the cycle that read
 * the files gets their parses too (RepoSlots.held), for its edits.
 */
export async function findAt(deps: FindDeps, head: string, limits: ReadLimits): Promise<RepoSlots> {
  const previous = last.get(deps.repo);
  if (previous !== undefined && sameRead(previous, deps, head, limits)) return copy(previous.found);
  const found = await readSlots(deps.repo, head, deps.paths, { namedPolicies: deps.namedPolicies, limits, held: deps.heldParses });
  const automated = new Set(found.slots.filter((s) => s.policy !== undefined).map((s) => s.file));
  const { held, release, ...rest } = found;
  // The parses are this cycle's only: kept between cycles they would hold some 20 times the files' text.
  const kept: RepoSlots = { ...rest, files: new Map([...found.files].filter(([path]) => automated.has(path))) };
  last.set(deps.repo, { head, paths: deps.paths, named: deps.namedPolicies, limits, found: kept });
  return held === undefined || release === undefined ? copy(kept) : { ...copy(kept), held, release };
}

function sameRead(previous: Last, deps: FindDeps, head: string, limits: ReadLimits): boolean {
  return previous.head === head && previous.paths === deps.paths && previous.named === deps.namedPolicies && previous.limits.maxFileBytes === limits.maxFileBytes && previous.limits.maxCycleBytes === limits.maxCycleBytes;
}

/** The caller adds its own problems to the list: each cycle gets its own. */
function copy(found: RepoSlots): RepoSlots {
  return { ...found, problems: [...found.problems], notices: [...found.notices] };
}
