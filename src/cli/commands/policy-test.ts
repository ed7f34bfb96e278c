/**
 * `tagpilot policy test <policy> [--current TAG] [--tags-from FILE|-] [--json]`: runs a policy over a
 * tag list and explains the outcome, without a registry or a repository.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { EXIT, UsageError, type CliIo, type Command } from '../io.ts';
import { FilterError, parseFilters, parsePolicy, PolicyError, selectTag, withDowngrade, withFilters, type Policy, type Selection, type TagInfo } from '../../policy/index.ts';
import { columns } from '../table.ts';

export const USAGE = `usage: tagpilot policy test <policy> [options]

Runs <policy> over a tag list and shows the selected tag and why every other tag was rejected.

  --current TAG         the tag the slot holds now (never downgraded)
  --current-digest D    the digest the slot pins now (digest: policies)
  --tags-from FILE|-    tag list: one tag per line, or a JSON array of tags or of
                        {tag, created?, digest?, platforms?}; default: standard input
  --ignore LIST         ignore patterns, comma separated (globs, or regexp:<re>)
  --min-age DURATION    minimum age of a build, e.g. 30m, 6h, 2d
  --platforms LIST      required platforms, e.g. linux/amd64,linux/arm64
  --now TIME            the clock for --min-age (RFC 3339); default: now
  --allow-downgrade     follow the policy even below the current tag
  --json                print one JSON object instead of a table
  -h, --help            show this help
`;

/** Bounds on untrusted input: a tag list is small; anything bigger is a mistake or an attack. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;
export const MAX_TAGS = 200_000;

const OPTIONS = {
  current: { type: 'string' },
  'current-digest': { type: 'string' },
  'tags-from': { type: 'string' },
  ignore: { type: 'string' },
  'min-age': { type: 'string' },
  platforms: { type: 'string' },
  now: { type: 'string' },
  'allow-downgrade': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const policyTest: Command = async (args, io) => {
  try {
    return await run(args, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof PolicyError || error instanceof FilterError || error instanceof InputError) {
      io.err.write(`tagpilot policy test: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
};

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args);
  if (values.help) {
    io.out.write(USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`expected one policy argument, got ${positionals.length}\n${USAGE}`);
  const filtered = buildPolicy(positionals[0] ?? '', values);
  const policy = values['allow-downgrade'] ? withDowngrade(filtered) : filtered;
  const now = values.now === undefined ? new Date() : parseTime(values.now, '--now');
  const tags = parseTagList(await readInput(values['tags-from'] ?? '-', io));
  const current = { tag: values.current, digest: values['current-digest'] };
  const selection = selectTag(policy, tags, current, { now });
  io.out.write(values.json ? `${JSON.stringify(toJson(policy, values.current, selection))}\n` : formatTable(policy, values.current, selection));
  return EXIT.ok;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

function buildPolicy(text: string, values: { ignore?: string; 'min-age'?: string; platforms?: string }): Policy {
  const policy = parsePolicy(text);
  const texts = { ignore: values.ignore, minAge: values['min-age'], platforms: values.platforms };
  return Object.values(texts).every((value) => value === undefined) ? policy : withFilters(policy, parseFilters(texts));
}

class InputError extends Error {
  override name = 'InputError';
}

function parseTime(text: string, what: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InputError(`${what}: "${text}" is not a time (expected RFC 3339, e.g. 2026-01-31T12:00:00Z)`);
  return date;
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

const TagObject = z.object({
  tag: z.string(),
  created: z.string().optional(),
  digest: z.string().optional(),
  platforms: z.array(z.string()).optional(),
}).strict();
const TagListJson = z.array(z.union([z.string(), TagObject]));

/** A JSON array when the input starts with "[", else one tag per line (blank lines skipped). */
export function parseTagList(text: string): TagInfo[] {
  const trimmed = text.trim();
  const tags = trimmed.startsWith('[') ? parseJsonTags(trimmed) : trimmed.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '').map((tag) => ({ tag }));
  if (tags.length > MAX_TAGS) throw new InputError(`more than ${MAX_TAGS} tags`);
  return tags;
}

function parseJsonTags(text: string): TagInfo[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`tag list is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = TagListJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`tag list: expected an array of tags or {tag, created?, digest?, platforms?} (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data.map((item, index) => (typeof item === 'string' ? { tag: item } : toTagInfo(item, index)));
}

function toTagInfo(item: z.infer<typeof TagObject>, index: number): TagInfo {
  const info: TagInfo = { tag: item.tag };
  if (item.created !== undefined) info.created = parseTime(item.created, `tag list item ${index} (${item.tag}) created`);
  if (item.digest !== undefined) info.digest = item.digest;
  if (item.platforms !== undefined) info.platforms = item.platforms;
  return info;
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
  const head = [
    ['policy', policy.source],
    ['current', current ?? '(none)'],
    ['selected', `${selection.selected ?? '(none)'}${selection.changed ? ' (changed)' : ''}`],
    ...(selection.digest === undefined ? [] : [['digest', selection.digest]]),
    ['why', selection.why ?? ''],
  ];
  const rows = [['TAG', 'REASON', 'DETAIL'], ...selection.rejected.map((r) => [printable(r.tag), r.reason, printable(r.detail ?? '')])];
  const body = selection.rejected.length === 0 ? 'no other tags\n' : columns(rows);
  return `${columns(head)}\n${body}`;
}

/** Input tags may hold control characters (they are rejected, but still listed): show them escaped. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
