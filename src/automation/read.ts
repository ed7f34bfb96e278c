/**
 * The cycle's read phase with memory bounded by design: the repository's files are listed with
 * their sizes first (nothing inflated), files over the per-file limit or past the per-cycle
 * byte budget are skipped with a problem naming them, and the rest are read, decoded, parsed and
 * dropped one at a time. A file is read again only when an edit needs its text.
 */
import { decodeManifest, isManifestPath, MAX_FILE_BYTES, SlotFinder } from '../manifests/index.ts';
import type { EditSource, FluxAutomation, ImageSlot, NamedPolicy, SourceFile } from '../manifests/index.ts';
import { fileProblem, problemFrom } from '../problems/index.ts';
import type { FileSource, ListedFile } from './ports.ts';
import type { Notice, Problem } from './types.ts';

export interface ReadLimits {
  /** A file larger than this is skipped (`file-too-large`), never inflated. */
  maxFileBytes: number;
  /** Bytes of files read per cycle; files past it are skipped (`cycle-bytes-limit`). */
  maxCycleBytes: number;
}

/**
 * 256 KiB per file holds any manifest and parses in some 12 MB of heap, well inside the
 * container's 64 MiB; 64 MiB per cycle is some 40,000 typical manifests. See
 * docs/security.md#repository-content.
 */
export const DEFAULT_READ_LIMITS: ReadLimits = { maxFileBytes: MAX_FILE_BYTES, maxCycleBytes: 64 * 1024 * 1024 };

export interface RepoSlots {
  slots: ImageSlot[];
  problems: Problem[];
  /** Worth telling, not failures: a marker that is not ours, a bad digest replaced. */
  notices: Notice[];
  /** The files read, by path: what an edit may read again. */
  files: ReadonlyMap<string, ListedFile>;
  /** Flux ImageUpdateAutomation objects in the files read (their paths and commit subjects). */
  fluxAutomations: FluxAutomation[];
  /**
   * Files with an automated slot, as read and parsed to find their slots, by path, as far as the
   * read's HeldBudget goes: an edit uses them instead of reading and parsing the file again.
   * Held for one cycle only (never between cycles: see found.ts), which calls `release` when done.
   */
  held?: ReadonlyMap<string, EditSource>;
  /** Gives the text held back to the read's budget (ReadOptions.held); once is enough. */
  release?: () => void;
}

/**
 * Text of the files whose parse is held for the edit, for the automations that read at once (a
 * controller's share one): a parse costs some 20 times its text in heap (a 1.5 KB Deployment
 * some 28 KiB), so 256 KiB of text holds some 5 MiB: the controller's steady state already has
 * about 47 MiB live of the container's 64 MiB heap, and 20 MiB more could run it out. Files past
 * it are read and parsed again to edit.
 */
export const HELD_TEXT_CHARS = 256 * 1024;

/**
 * What is left of a budget of held text, owned by whoever runs the cycles and passed in: the
 * controller's automations share one, a one-shot command has its own. A read takes from it, and
 * gives back when its plan ends (RepoSlots.release).
 */
export interface HeldBudget {
  chars: number;
}

export function heldBudget(chars = HELD_TEXT_CHARS): HeldBudget {
  return { chars };
}

export interface ReadOptions {
  namedPolicies?: ReadonlyMap<string, NamedPolicy> | undefined;
  limits?: Partial<ReadLimits>;
  /** The budget the parses held for the edit are taken from; a read without one has HELD_TEXT_CHARS of its own. */
  held?: HeldBudget | undefined;
}

/** Lists, screens and reads the manifests under `paths` at `head`: two streaming passes. */
export async function readSlots(source: FileSource, head: string, paths: readonly string[], options: ReadOptions = {}): Promise<RepoSlots> {
  const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
  const listing = await source.listFiles(head, paths, isManifestPath);
  const problems: Problem[] = listing.unmatched.map((root) => fileProblem('path-matches-nothing', root, `git.paths entry "${root}" matches no manifest file (*.yaml, *.yml, kustomization) at ${head.slice(0, 12)}`));
  // Unsafe tree entries name their path: the problem is that file's.
  for (const p of listing.unsafe ?? []) problems.push(problemFrom(p, String(p.data.path), { file: String(p.data.path) }));
  const files = screen(listing.files, limits, problems);
  const finder = new SlotFinder({ namedPolicies: options.namedPolicies, maxFileBytes: limits.maxFileBytes });
  // Pass 1 only learns (kustomization namespaces, Flux image objects, Image Updater
  // Applications); its read and decode problems are the same as pass 2's, which reports them.
  for (const file of files) {
    const bytes = await source.readBlob(file, limits.maxFileBytes).catch(() => undefined);
    if (bytes === undefined || !SlotFinder.mayTeach(file.path, bytes)) continue;
    const decoded = decodeManifest(file.path, bytes, limits.maxFileBytes);
    if ('file' in decoded) problems.push(...finder.learn(decoded.file));
  }
  const slots: ImageSlot[] = [];
  const notices: Notice[] = [];
  const held = new Map<string, EditSource>();
  const budget = options.held ?? heldBudget();
  let heldChars = 0;
  for (const file of files) {
    const text = await readText(source, file, limits.maxFileBytes, problems);
    if (text === undefined) continue;
    const found = finder.find(text);
    slots.push(...found.slots);
    problems.push(...found.problems);
    notices.push(...found.notices);
    if (found.parsed === undefined || text.text.length > budget.chars || !found.slots.some((s) => s.policy !== undefined)) continue;
    budget.chars -= text.text.length;
    heldChars += text.text.length;
    held.set(file.path, { ...text, parsed: found.parsed });
  }
  const release = () => {
    budget.chars += heldChars;
    heldChars = 0;
    held.clear();
  };
  return { slots, problems, notices, files: new Map(files.map((file) => [file.path, file])), fluxAutomations: finder.fluxAutomations, held, release };
}

/** The files within both limits, in path order; a problem for each one skipped. */
function screen(files: readonly ListedFile[], limits: ReadLimits, problems: Problem[]): ListedFile[] {
  const kept: ListedFile[] = [];
  let total = 0;
  for (const file of files) {
    if (file.size > limits.maxFileBytes) {
      problems.push(fileProblem('file-too-large', file.path, `skipped: ${file.size} bytes, over the ${limits.maxFileBytes} byte limit per file (git.maxFileSize)`));
    } else if (total + file.size > limits.maxCycleBytes) {
      problems.push(fileProblem('cycle-bytes-limit', file.path, `skipped: this cycle already reads ${total} bytes, and ${file.size} more would pass the ${limits.maxCycleBytes} byte limit per cycle (git.maxCycleSize)`));
    } else {
      total += file.size;
      kept.push(file);
    }
  }
  return kept;
}

/** One file as text, or undefined with a problem (unreadable, binary, not UTF-8). */
export async function readText(source: FileSource, file: ListedFile, maxBytes: number, problems: Problem[]): Promise<SourceFile | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await source.readBlob(file, maxBytes);
  } catch (error) {
    const problem = problemFrom(error, file.path, { file: file.path });
    problems.push({ ...problem, message: `skipped: ${problem.message}` });
    return undefined;
  }
  const decoded = decodeManifest(file.path, bytes, maxBytes);
  if ('file' in decoded) return decoded.file;
  problems.push(decoded.problem);
  return undefined;
}
