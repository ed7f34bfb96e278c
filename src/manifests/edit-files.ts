import { problemFrom, type Problem } from '../problems/index.ts';
import { applyEdits, EditError, editFile, type EditProof } from './edit.ts';
import type { Edit, SourceFile } from './types.ts';
import { parseFile, type ParsedFile } from './yaml.ts';

/** A file to edit, with the parse its slots were found in when the caller kept it (see applyEdits). */
export interface EditSource extends SourceFile {
  parsed?: ParsedFile | undefined;
}

export interface EditedFiles {
  /** The new text of each file the edits changed, by path. */
  files: Map<string, string>;
  /** One problem per refused edit (edit-refused), at its file and line; the file's other edits are made. */
  refused: Problem[];
  /** The edits made, or already as asked: a change is reported for these only. */
  applied: Set<Edit>;
}

/**
 * The one way decided updates become edited files, for the cycle and for the workload commands
 * alike: the edits grouped by file, each file edited byte-exactly and verified. One refused slot
 * does not drop the others in its file (invariant 5): the edits that verify are made, each refused
 * one is a problem with its file, line and reason. The caller decides whether the rest goes ahead
 * (the cycle commits it, `release` stops at any refusal). `proof`: how each result is checked
 * (applyEdits); `full` is for tests that compare both.
 */
export function editFiles(sources: readonly EditSource[], edits: readonly Edit[], proof: EditProof = 'auto'): EditedFiles {
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const result: EditedFiles = { files: new Map(), refused: [], applied: new Set() };
  for (const [path, fileEdits] of Map.groupBy(edits, editFile)) {
    const source = byPath.get(path);
    if (source === undefined) {
      result.refused.push(problemFrom(new EditError(`${path}: not among the files read`), path, { file: path }));
      continue;
    }
    const settled = settle(tried(source, proof), units(fileEdits), triesFor(source.text));
    if (settled.text !== source.text) result.files.set(path, settled.text);
    for (const unit of settled.made) for (const edit of unit) result.applied.add(edit);
    for (const { unit, error } of settled.refused) result.refused.push(refusal(path, unit, error));
  }
  return result;
}

/**
 * Edits that must be made together or not at all: image edits whose slots share a field (an
 * anchor and its aliases, a merge key) are one unit; so are all the annotation edits of a file (an
 * operation's annotations go together). Every other image edit is a unit of its own.
 */
function units(edits: readonly Edit[]): Edit[][] {
  const out: Edit[][] = [];
  const annotations: Edit[] = [];
  const unitOf = new Map<number, Edit[]>();
  for (const edit of edits) {
    if (edit.kind === 'annotation') {
      annotations.push(edit);
      continue;
    }
    const joined = [...new Set(edit.slot.fields.map((f) => unitOf.get(f.start)).filter((u) => u !== undefined))];
    const unit = joined[0] ?? [];
    if (joined.length === 0) out.push(unit);
    for (const other of joined.slice(1)) {
      unit.push(...other);
      out.splice(out.indexOf(other), 1);
    }
    unit.push(edit);
    for (const e of unit) if (e.kind !== 'annotation') for (const f of e.slot.fields) unitOf.set(f.start, unit);
  }
  if (annotations.length > 0) out.push(annotations);
  return out;
}

/**
 * Tries of a file's edits (each splices, parses and verifies the whole file) when some are
 * refused: 64 find a few bad units among hundreds (about 2·k·log2(n) for k among n); a large file gets
 * fewer (text tried at most 2 MiB, at least 4 tries), so a file full of refused edits costs a
 * bounded multiple of one try. Units not settled within the tries are refused, saying so.
 */
export const MAX_TRIES_PER_FILE = 64;
const MAX_TRIED_CHARS = 2 * 1024 * 1024;

function triesFor(text: string): Tries {
  return { left: Math.min(MAX_TRIES_PER_FILE, Math.max(4, Math.floor(MAX_TRIED_CHARS / Math.max(1, text.length)))) };
}

interface Tries {
  left: number;
}

interface Settled {
  text: string;
  made: Edit[][];
  refused: { unit: Edit[]; error: unknown }[];
}

/**
 * The units that verify, made: all together first; when that is refused, each half on its own,
 * then the halves together, so one bad unit among n costs about 2·log2(n) more tries of the
 * file, not n. Halves that verify alone but not together (they meet in the file in a way no
 * shared field shows) are joined one unit at a time.
 */
function settle(source: Tried, all: readonly Edit[][], tries: Tries): Settled {
  const { text } = source;
  const first = attempt(source, all, tries);
  if (typeof first === 'string') return { text: first, made: [...all], refused: [] };
  if (all.length === 1) return { text, made: [], refused: [{ unit: all[0]!, error: first.error }] };
  const mid = all.length >> 1;
  const left = settle(source, all.slice(0, mid), tries);
  const right = settle(source, all.slice(mid), tries);
  const refused = [...left.refused, ...right.refused];
  const both = attempt(source, [...left.made, ...right.made], tries);
  if (typeof both === 'string') return { text: both, made: [...left.made, ...right.made], refused };
  let kept = left;
  for (const unit of right.made) {
    const joined = attempt(source, [...kept.made, unit], tries);
    if (typeof joined === 'string') kept = { text: joined, made: [...kept.made, unit], refused: [] };
    else refused.push({ unit, error: joined.error });
  }
  return { text: kept.text, made: kept.made, refused };
}

/** The file as read, and its parse once one is made: every try of a file starts from the same text, parsed once. */
interface Tried {
  path: string;
  text: string;
  parsed: ParsedFile | undefined;
  proof: EditProof;
}

function tried(source: EditSource, proof: EditProof): Tried {
  return { path: source.path, text: source.text, parsed: source.parsed?.text === source.text ? source.parsed : undefined, proof };
}

function attempt(source: Tried, made: readonly Edit[][], tries: Tries): string | { error: unknown } {
  const { path, text } = source;
  if (made.length === 0) return text;
  if (tries.left <= 0) return { error: new EditError(`${path}: not tried: too many of this file's edits are refused to try them one by one; fix the refused ones and the next cycle makes the rest`) };
  tries.left--;
  const edits = made.flat();
  try {
    // Annotation edits alone parse their own results only: the text as read is parsed for image edits.
    if (source.parsed === undefined && edits.some((e) => e.kind !== 'annotation')) source.parsed = parseFile(text);
    return applyEdits(path, text, edits, source.parsed, source.proof);
  } catch (error) {
    return { error };
  }
}

/** A refused unit as one problem, at the line of its first slot. */
function refusal(path: string, unit: readonly Edit[], error: unknown): Problem {
  const lines = unit.flatMap((e) => (e.kind === 'annotation' ? [] : [e.slot.line]));
  const line = lines.length === 0 ? undefined : Math.min(...lines);
  return problemFrom(error, line === undefined ? path : `${path}:${line}`, line === undefined ? { file: path } : { file: path, line });
}
