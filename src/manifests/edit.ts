import { findSlots } from './find.ts';
import type { Edit } from './types.ts';

export class EditError extends Error {
  override name = 'EditError';
}

/**
 * Applies edits to one file's text by splicing each scalar's own source span, keeping its
 * quoting style; every other byte stays. The result is re-parsed and checked.
 */
export function applyEdits(path: string, text: string, edits: readonly Edit[]): string {
  const ordered = [...edits].sort((a, b) => b.slot.fields[0]!.start - a.slot.fields[0]!.start);
  let out = text;
  for (const edit of ordered) {
    const field = edit.slot.fields[0]!;
    const source = text.slice(field.start, field.end);
    out = out.slice(0, field.start) + requote(source, edit.image) + out.slice(field.end);
  }
  verify(path, out, edits);
  return out;
}

function requote(source: string, value: string): string {
  const quote = source[0];
  if (quote === '"' || quote === "'") return `${quote}${value}${quote}`;
  return value;
}

function verify(path: string, text: string, edits: readonly Edit[]): void {
  const { slots, problems } = findSlots([{ path, text }]);
  if (problems.length > 0) throw new EditError(`${path}: edit would not parse: ${problems[0]!.message}`);
  for (const edit of edits) {
    const after = slots.find((s) => s.workload === edit.slot.workload && s.container === edit.slot.container);
    if (after?.image !== edit.image) {
      throw new EditError(`${path}: ${edit.slot.workload} ${edit.slot.container}: edit did not produce ${edit.image}`);
    }
  }
}
