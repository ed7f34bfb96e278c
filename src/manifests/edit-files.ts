import { problemFrom, type Problem } from '../problems/index.ts';
import { applyEdits, EditError, editFile } from './edit.ts';
import type { Edit, SourceFile } from './types.ts';

export interface EditedFiles {
  /** The new text of each file the edits changed, by path. */
  files: Map<string, string>;
  /** One problem per file whose edits were refused (edit-refused); those files are left as they were. */
  refused: Problem[];
}

/**
 * The one way decided updates become edited files, for the cycle and for the workload commands
 * alike: the edits grouped by file, each file edited byte-exactly and verified as a whole (all its
 * edits or none). A refused file is a problem for that file only; the caller decides whether the
 * others go ahead (the cycle commits them, `release` stops).
 */
export function editFiles(sources: readonly SourceFile[], edits: readonly Edit[]): EditedFiles {
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const result: EditedFiles = { files: new Map(), refused: [] };
  for (const [path, fileEdits] of Map.groupBy(edits, editFile)) {
    const source = byPath.get(path);
    try {
      if (source === undefined) throw new EditError(`${path}: not among the files read`);
      const text = applyEdits(path, source.text, fileEdits);
      if (text !== source.text) result.files.set(path, text);
    } catch (error) {
      result.refused.push(problemFrom(error, path, { file: path }));
    }
  }
  return result;
}
