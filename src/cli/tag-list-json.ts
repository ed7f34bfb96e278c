import { z } from 'zod';
import type { TagInfo } from '../policy/index.ts';
import { InputError, parseTime } from './input.ts';

const TagObject = z
  .object({
    tag: z.string(),
    created: z.string().optional(),
    digest: z.string().optional(),
    platforms: z.array(z.string()).optional(),
    signature: z.enum(['valid', 'unsigned', 'bad-signature']).optional(),
  })
  .strict();
const TagListJson = z.array(z.union([z.string(), TagObject]));

/** A JSON array of tags or of `{tag, created?, digest?, platforms?}`, validated. */
export function parseJsonTags(text: string): TagInfo[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`tag list is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = TagListJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`tag list: expected an array of tags or {tag, created?, digest?, platforms?, signature?} (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data.map((item, index) => (typeof item === 'string' ? { tag: item } : toTagInfo(item, index)));
}

function toTagInfo(item: z.infer<typeof TagObject>, index: number): TagInfo {
  const info: TagInfo = { tag: item.tag };
  if (item.created !== undefined) info.created = parseTime(item.created, `tag list item ${index} (${item.tag}) created`);
  if (item.digest !== undefined) info.digest = item.digest;
  if (item.platforms !== undefined) info.platforms = item.platforms;
  if (item.signature !== undefined) info.signature = { status: item.signature };
  return info;
}
