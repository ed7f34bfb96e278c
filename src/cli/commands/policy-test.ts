/**
 * `tagpilot policy test <policy> [--current TAG] [--tags-from FILE|-] [--json]`: runs a policy over a
 * tag list and explains the outcome, without a registry or a repository.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, isInteractive, UsageError, type CliIo } from '../io.ts';
import { FilterError, parseFilters, parsePolicy, PolicyError, selectTag, withDowngrade, withFilters, type Policy, type Selection, type TagInfo } from '../../policy/index.ts';
import { columns } from '../table.ts';
import { InputError, parseTime } from '../input.ts';

export interface PolicyTestOptions {
  policy: string;
  current?: string;
  currentDigest?: string;
  tagsFrom?: string;
  ignore?: string;
  minAge?: string;
  platforms?: string;
  now?: string;
  allowDowngrade?: boolean;
  /** A signature policy's name; verdicts come from the tag list (there is no registry here). */
  verifySignature?: string;
  json?: boolean;
}

/** Bounds on untrusted input: a tag list is small; anything bigger is a mistake or an attack. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
export const MAX_TAGS = 200_000;

export async function policyTest(options: PolicyTestOptions, io: CliIo): Promise<number> {
  try {
    return await run(options, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyError || error instanceof FilterError || error instanceof InputError) {
      io.err.write(`tagpilot policy test: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

async function run(values: PolicyTestOptions, io: CliIo): Promise<number> {
  const filtered = buildPolicy(values.policy, values);
  const policy = values.allowDowngrade ? withDowngrade(filtered) : filtered;
  const now = values.now === undefined ? new Date() : parseTime(values.now, '--now');
  const listed = await parseTagList(await readInput(tagSource(values.tagsFrom, io), io));
  // Without a registry a tag's verdict is what the list says; a tag it says nothing of counts as unsigned.
  const tags = values.verifySignature === undefined ? listed : listed.map((t) => (t.signature === undefined ? { ...t, signature: { status: 'unsigned' as const, detail: 'no verdict in the tag list' } } : t));
  const current = { tag: values.current, digest: values.currentDigest };
  const selection = selectTag(policy, tags, current, { now });
  io.out.write(values.json ? `${JSON.stringify(toJson(policy, values.current, selection))}\n` : formatTable(policy, values.current, selection));
  return EXIT.ok;
}

/** Standard input by default, but not a terminal: nobody types a tag list there by accident. */
function tagSource(tagsFrom: string | undefined, io: CliIo): string {
  if (tagsFrom !== undefined) return tagsFrom;
  if (isInteractive(io.in)) throw new UsageError('needs a tag list: --tags-from FILE, or pipe one in (--tags-from - reads the terminal)');
  return '-';
}

function buildPolicy(text: string, values: PolicyTestOptions): Policy {
  const policy = parsePolicy(text);
  const texts = { ignore: values.ignore, minAge: values.minAge, platforms: values.platforms, signature: values.verifySignature };
  return Object.values(texts).every((value) => value === undefined) ? policy : withFilters(policy, parseFilters(texts));
}

async function readInput(source: string, io: CliIo): Promise<string> {
  if (source === '-') return readStream(io.in);
  const path = resolve(io.cwd, source);
  try {
    if ((await stat(path)).size > MAX_INPUT_BYTES) throw new InputError(`${source}: larger than ${MAX_INPUT_BYTES} bytes`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read tags from ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) throw new InputError(`standard input: larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON array when the input starts with "[", else one tag per line (blank lines skipped). */
async function parseTagList(text: string): Promise<TagInfo[]> {
  const trimmed = text.trim();
  // The JSON reader validates with zod: loaded only for JSON input.
  const tags = trimmed.startsWith('[')
    ? (await import('../tag-list-json.ts')).parseJsonTags(trimmed)
    : trimmed
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map((tag) => ({ tag }));
  if (tags.length > MAX_TAGS) throw new InputError(`more than ${MAX_TAGS} tags`);
  return tags;
}

function toJson(policy: Policy, current: string | undefined, selection: Selection) {
  return {
    policy: policy.source,
    current: current ?? null,
    selected: selection.selected,
    ...(selection.digest === undefined ? {} : { digest: selection.digest }),
    changed: selection.changed,
    why: selection.why,
    rejected: selection.rejected,
  };
}

function formatTable(policy: Policy, current: string | undefined, selection: Selection): string {
  const head = [['policy', policy.source], ['current', current ?? '(none)'], ['selected', `${selection.selected ?? '(none)'}${selection.changed ? ' (changed)' : ''}`], ...(selection.digest === undefined ? [] : [['digest', selection.digest]]), ['why', selection.why ?? '']];
  const rows = [['TAG', 'REASON', 'DETAIL'], ...selection.rejected.map((r) => [printable(r.tag), r.reason, printable(r.detail ?? '')])];
  const body = selection.rejected.length === 0 ? 'no other tags\n' : columns(rows);
  return `${columns(head)}\n${body}`;
}

/** Input tags may hold control characters (they are rejected, but still listed): show them escaped. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
