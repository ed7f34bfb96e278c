import type { Change } from './types.ts';

/** The machine-readable record of one change, as written in and read from a commit message. */
export interface UpdateTrailer {
  /** The workload (`namespace:kind/name`), or the file for slots outside a workload. */
  workload: string;
  container?: string;
  image: string;
  from: string;
  to: string;
  policy?: string;
}

export const UPDATE_TRAILER = 'Tagpilot-Update';

/**
 * `Tagpilot-Update: <workload> <container|-> <image> <old> <new> <policy…>`: five fields that
 * never hold whitespace (a space, `%` or control character is percent-encoded), then the policy
 * as the rest of the line (policies may hold spaces, e.g. `semver:>=1.0 <2`).
 */
export function formatUpdateTrailer(change: Change): string {
  const fields = [change.workload ?? change.file, change.container ?? '-', change.repository, change.from, change.to].map(encodeField);
  return `${UPDATE_TRAILER}: ${fields.join(' ')} ${oneLine(change.policy)}`;
}

/** Every `Tagpilot-Update` trailer in a commit message, in order; malformed ones are skipped. */
export function parseUpdateTrailers(message: string): UpdateTrailer[] {
  const trailers: UpdateTrailer[] = [];
  const prefix = `${UPDATE_TRAILER}:`;
  for (const line of message.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const parts = line.slice(prefix.length).trim().split(/ +/);
    if (parts.length < 5) continue;
    const [workload, container, image, from, to] = parts.slice(0, 5).map(decodeField) as [string, string, string, string, string];
    const policy = parts.slice(5).join(' ');
    trailers.push({ workload, ...(container === '-' ? {} : { container }), image, from, to, ...(policy === '' ? {} : { policy }) });
  }
  return trailers;
}

/** Text safe on one line of a commit message: control characters (newlines included) become spaces. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this strips
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** A trailer field without whitespace: a space, `%` or control character percent-encoded; empty is `%00`. */
export function encodeField(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this strips
  const encoded = text.replace(/[%\s\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
  return encoded === '' ? '%00' : encoded;
}

export function decodeField(text: string): string {
  if (text === '%00') return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
