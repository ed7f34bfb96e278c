/**
 * `tagpilot freeze` and `unfreeze`: the repository's `.tagpilot.yaml` (one at the root of each
 * of the automation's paths) gets or loses a freeze window, as a commit, so a freeze is reviewed
 * and read back like any change. Pure: the files' texts in, the new texts and the message out.
 */
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { parseFreezeWindow } from '../policy/index.ts';
import type { OperationTrailer } from './operation-trailer.ts';
import { finish, refused, type OperationPlan } from './operations.ts';
import { parseRepoSettings, settingsPath } from './repo-settings.ts';

export interface FreezeRequest {
  verb: 'freeze' | 'unfreeze';
  /** The automation's paths: each gets its own settings file. */
  roots: readonly string[];
  by: string;
  /** RFC 3339: now. */
  at: string;
  reason?: string;
  /** freeze: the end (RFC 3339 or a date); the window runs from now to then. */
  until?: string;
  /** freeze: a window as written instead (recurring, or an absolute range). */
  window?: string;
}

const HEADER = '# tagpilot repository settings (docs/operations.md): freeze windows hold every slot below this folder.\n';

/** The settings files' new texts; `texts` holds each file's current text (undefined: none yet). */
export function planFreeze(request: FreezeRequest, texts: ReadonlyMap<string, string | undefined>): OperationPlan {
  const window = request.verb === 'freeze' ? freezeWindow(request) : undefined;
  const writes: NonNullable<OperationPlan['writes']> = [];
  const trailers: OperationTrailer[] = [];
  const lines: string[] = [];
  for (const root of request.roots) {
    const path = settingsPath(root);
    const before = texts.get(path);
    try {
      parseRepoSettings(before ?? '');
    } catch (error) {
      throw refused(`${path}: ${(error as Error).message}; fix it by hand first`);
    }
    const after = window === undefined ? withoutFreezes(before ?? '', Date.parse(request.at), lines, path) : withFreeze(before, window, request);
    if (after === before || (after === undefined && before === undefined)) continue;
    writes.push({ path, text: after ?? '', create: before === undefined });
    const until = window === undefined ? undefined : untilOf(window);
    trailers.push({ verb: request.verb, target: path, by: request.by, at: request.at, ...(request.reason === undefined ? {} : { reason: request.reason }), ...(until === undefined ? {} : { until }) });
  }
  return { ...finish(request.verb, [], trailers, lines), writes };
}

function freezeWindow(request: FreezeRequest): string {
  if ((request.until === undefined) === (request.window === undefined)) throw refused('freeze needs --until TIME (from now until then) or --window TEXT');
  let text = request.window;
  if (request.until !== undefined) {
    const end = Date.parse(/^\d{4}-\d\d-\d\d$/.test(request.until) ? `${request.until}T00:00:00Z` : request.until);
    if (Number.isNaN(end)) throw refused(`--until "${request.until}" is not a time (RFC 3339, e.g. 2027-01-04T08:00:00+01:00, or a date)`);
    if (end <= Date.parse(request.at)) throw refused(`--until ${request.until} is not in the future`);
    text = `${request.at} .. ${new Date(end).toISOString().replace(/\.000Z$/, 'Z')}`;
  }
  try {
    return parseFreezeWindow(text!).text;
  } catch (error) {
    throw refused(`freeze window "${text}": ${(error as Error).message}`);
  }
}

function untilOf(window: string): string | undefined {
  const parsed = parseFreezeWindow(window);
  return parsed.rule.kind === 'range' ? new Date(parsed.rule.endMs).toISOString().replace(/\.000Z$/, 'Z') : undefined;
}

/** The file with one more entry under `freeze:` (comments and the other entries kept). */
function withFreeze(text: string | undefined, window: string, request: FreezeRequest): string {
  const doc = parseDocument(text ?? HEADER);
  const entry = { window, ...(request.reason === undefined ? {} : { reason: request.reason }), by: request.by, at: request.at };
  if (!isSeq(doc.get('freeze'))) doc.set('freeze', new YAMLSeq());
  (doc.get('freeze') as YAMLSeq).add(doc.createNode(entry));
  return doc.toString();
}

/** The file without the absolute windows that have not ended (what `freeze --until` wrote); recurring ones stay, and are named. */
function withoutFreezes(text: string, nowMs: number, lines: string[], path: string): string {
  const doc = parseDocument(text);
  const seq = doc.get('freeze');
  if (!isSeq(seq)) return text;
  const kept = seq.items.filter((item) => {
    const window = isScalar(item) ? String(item.value) : isMap(item) ? String(item.get('window')) : '';
    const rule = parseFreezeWindow(window).rule;
    if (rule.kind === 'range' && rule.endMs > nowMs) {
      lines.push(`- ${path}: removed ${window}`);
      return false;
    }
    if (rule.kind === 'recurring') lines.push(`- ${path}: kept the recurring window ${window} (edit the file to end it)`);
    return true;
  });
  if (kept.length === seq.items.length) return text;
  seq.items = kept;
  return doc.toString();
}
