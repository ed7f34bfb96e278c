import type { FieldPart } from './types.ts';

/**
 * Marker comments: a trailing comment on a scalar's line that makes the scalar an image slot.
 * - Flux v2: `# {"$imagepolicy": "ns:name"}` (whole reference), `...:tag`, `...:name`, `...:digest`.
 * - tagpilot: `# tagpilot: <policy>` (whole reference), `# tagpilot: tag <policy>`,
 *   `# tagpilot: name`, `# tagpilot: digest [<policy>]`. See docs/markers.md.
 */
export type Marker = { syntax: 'flux'; part: FieldPart; policyName: string } | { syntax: 'tagpilot'; part: FieldPart; policyText?: string };

export type MarkerRead = { marker: Marker } | { problem: string } | undefined;

const COMMENT = /^[ \t]+#(.*)$/;
const TAGPILOT = /^\s*tagpilot:(.*)$/;
const PART_WORD = /^(name|tag|digest)(?:\s+(.*))?$/;
const FLUX_PARTS: Readonly<Record<string, FieldPart>> = { tag: 'tag', name: 'name', digest: 'digest' };

/** True when the file might hold a marker at all: lets most files skip the marker pass. */
export function mayHoldMarkers(text: string): boolean {
  return text.includes('tagpilot:') || text.includes('$imagepolicy');
}

/** Reads the marker, if any, in the comment that follows `end` on the same line. */
export function markerAfter(text: string, end: number): MarkerRead {
  let lineEnd = text.indexOf('\n', end);
  if (lineEnd < 0) lineEnd = text.length;
  const rest = text.slice(end, lineEnd).replace(/\r$/, '');
  const comment = COMMENT.exec(rest)?.[1];
  if (comment === undefined) return undefined;
  const body = comment.trim();
  if (body.startsWith('{') && body.includes('$imagepolicy')) return readFlux(body);
  const tagpilot = TAGPILOT.exec(body)?.[1];
  return tagpilot === undefined ? undefined : readTagpilot(tagpilot.trim());
}

function readFlux(body: string): MarkerRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { problem: `marker ${body} is not valid JSON` };
  }
  const ref = (parsed as Record<string, unknown> | null)?.$imagepolicy;
  if (typeof ref !== 'string') return { problem: `marker ${body}: "$imagepolicy" must be a string` };
  const [namespace, name, partWord, extra] = ref.split(':');
  if (!namespace || !name || extra !== undefined) return { problem: `marker ${body}: expected "namespace:name[:tag|:name|:digest]"` };
  if (partWord === undefined) return { marker: { syntax: 'flux', part: 'ref', policyName: `${namespace}:${name}` } };
  const part = FLUX_PARTS[partWord];
  if (part === undefined) return { problem: `marker ${body}: unknown part "${partWord}" (tag, name or digest)` };
  return { marker: { syntax: 'flux', part, policyName: `${namespace}:${name}` } };
}

function readTagpilot(rest: string): MarkerRead {
  if (rest === '') return { problem: 'marker "tagpilot:" needs a policy, or a part: name, tag <policy>, digest' };
  const word = PART_WORD.exec(rest);
  if (word === null) return { marker: { syntax: 'tagpilot', part: 'ref', policyText: rest } };
  const part = word[1] as FieldPart;
  const policyText = word[2]?.trim() || undefined;
  if (part === 'tag' && policyText === undefined) return { problem: 'marker "tagpilot: tag" needs a policy after "tag"' };
  if (part === 'name' && policyText !== undefined) return { problem: 'marker "tagpilot: name" takes no policy; put it on the tag' };
  return { marker: { syntax: 'tagpilot', part, policyText } };
}
