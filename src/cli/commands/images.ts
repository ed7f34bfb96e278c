import { loadConfig } from '../../config/index.ts';
import { parseImageRef, repositoryName, type ImageRef } from '../../image/index.ts';
import { parsePolicy, policyNeeds, selectTag, RANKED_LOWER, type Policy, type PolicyNeeds, type TagInfo } from '../../policy/index.ts';
import { NO_NEEDS, RegistryClient } from '../../registry/index.ts';
import { EXIT, UsageError, type CliIo } from '../io.ts';
import { table } from '../table.ts';
import { registryClient } from '../wire.ts';

export interface ImagesOptions {
  imageRef: string;
  policy?: string;
  all?: boolean;
  json?: boolean;
  config?: string;
  insecure?: boolean;
}

interface Row {
  tag: string;
  selected?: true;
  current?: true;
  created?: string;
  platforms?: string[];
  /** Why the policy does not allow this tag (with --all). */
  rejected?: string;
}

/**
 * `tagpilot images REF [--policy P]`: the repository's tags, newest first by the policy, the one
 * it would select marked; build time and platforms when the policy needs them (like fluxctl list-images).
 */
export async function images(values: ImagesOptions, io: CliIo): Promise<number> {
  const ref = readRef(values.imageRef);
  const policy = values.policy === undefined ? undefined : readPolicy(values.policy);
  const needs = policy === undefined ? NO_NEEDS : policyNeeds(policy);
  const client = await clientFor(ref, values.config, values.insecure === true, io);
  try {
    const { tags, warnings } = await client.listTags(ref, needs);
    for (const warning of warnings) io.err.write(`warning: ${warning}\n`);
    const rows = policy === undefined ? byName(tags, ref) : byPolicy(policy, tags, ref, values.all === true);
    if (values.json) io.out.write(JSON.stringify({ repository: repositoryName(ref), policy: policy?.source, selected: rows.find((r) => r.selected)?.tag ?? null, tags: rows }, null, 2) + '\n');
    else io.out.write(render(rows, needs));
    return EXIT.ok;
  } finally {
    await client.close();
  }
}

function readRef(text: string): ImageRef {
  try {
    return parseImageRef(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readPolicy(text: string): Policy {
  try {
    return parsePolicy(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function clientFor(ref: ImageRef, configPath: string | undefined, insecure: boolean, io: CliIo): Promise<RegistryClient> {
  if (configPath !== undefined) return registryClient(await loadConfig(configPath, io.env), io);
  return new RegistryClient({ registries: insecure && ref.host !== undefined ? [{ host: ref.host, insecure: true }] : [], env: io.env });
}

/** Newest first as the policy orders them: of any two tags, the policy's pick comes first. */
function byPolicy(policy: Policy, tags: readonly TagInfo[], ref: ImageRef, all: boolean): Row[] {
  const selection = selectTag(policy, tags, { tag: ref.tag });
  // Tags that qualify but rank lower are listed in order; only the filtered-out ones are "rejected".
  const rejected = new Map(selection.rejected.filter((r) => !RANKED_LOWER.has(r.reason)).map((r) => [r.tag, r.reason]));
  const allowed = tags.filter((t) => !rejected.has(t.tag));
  const newer = (a: TagInfo, b: TagInfo) => selectTag(policy, [a, b]).selected === a.tag;
  allowed.sort((a, b) => (a.tag === b.tag ? 0 : newer(a, b) ? -1 : 1));
  const rows = allowed.map((t) => row(t, ref, selection.selected));
  if (all) rows.push(...tags.filter((t) => rejected.has(t.tag)).map((t) => ({ ...row(t, ref, null), rejected: rejected.get(t.tag)! })));
  return rows;
}

/** No policy: numeric-aware name order, highest first. */
function byName(tags: readonly TagInfo[], ref: ImageRef): Row[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return [...tags].sort((a, b) => collator.compare(b.tag, a.tag)).map((t) => row(t, ref, null));
}

function row(info: TagInfo, ref: ImageRef, selected: string | null): Row {
  const result: Row = { tag: info.tag };
  if (info.tag === selected) result.selected = true;
  if (info.tag === ref.tag) result.current = true;
  if (info.created !== undefined) result.created = info.created.toISOString();
  if (info.platforms !== undefined) result.platforms = info.platforms;
  return result;
}

function render(rows: readonly Row[], needs: PolicyNeeds): string {
  const header = ['', 'TAG', ...(needs.created ? ['CREATED'] : []), ...(needs.platforms ? ['PLATFORMS'] : []), 'NOTE'];
  const cells = rows.map((r) => [r.selected ? '*' : '', r.tag, ...(needs.created ? [r.created ?? '-'] : []), ...(needs.platforms ? [r.platforms?.join(',') ?? '-'] : []), [r.selected ? 'selected' : '', r.current ? 'current' : '', r.rejected ?? ''].filter(Boolean).join(', ')]);
  return table(header, cells);
}
