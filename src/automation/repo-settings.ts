/**
 * A repository's own settings: `.tagpilot.yaml` at the root of each of the automation's paths,
 * so a freeze is itself a reviewed commit. It holds freeze windows and the on-revert default of
 * the slots below it:
 *
 *     onRevert: lock
 *     freeze:
 *       - window: 2026-12-20 .. 2027-01-04T08:00 Europe/Berlin
 *         reason: holiday freeze
 *         by: Ana <ana@example.com>
 *         at: 2026-12-01T12:00:00Z
 *       - Fri 16:00-Mon 08:00 Europe/Berlin
 *
 * An unreadable file is a problem and freezes every slot under it until it is fixed: in doubt,
 * the bot keeps its hands off.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { parseFreezeWindow, unreadableFreeze, type FreezeWindow, type OnRevert } from '../policy/index.ts';
import { fileProblem } from '../problems/index.ts';
import type { FreezeSource } from './holds.ts';
import type { FileSource } from './ports.ts';
import type { Problem } from './types.ts';

export const SETTINGS_FILE = '.tagpilot.yaml';
/** A settings file larger than this is refused (it is a short list written by people). */
export const MAX_SETTINGS_BYTES = 64 * 1024;

const entry = z.union([z.string().min(1), z.object({ window: z.string().min(1), reason: z.string().optional(), by: z.string().optional(), at: z.string().optional() }).strict()]);
const schema = z.object({ freeze: z.array(entry).max(20).default([]), onRevert: z.enum(['reject', 'lock']).optional() }).strict();

/** One freeze as the file writes it. */
export interface FreezeEntry {
  window: string;
  reason?: string;
  by?: string;
  at?: string;
}

export interface RepoSettings {
  freeze: FreezeEntry[];
  /** What a revert does for the slots below the file that do not say themselves. */
  onRevert?: OnRevert;
}

/** The settings of the files at the automation's paths, as the holds read them. */
export interface RepoScopes {
  freezes: FreezeSource[];
  /** Each file's on-revert default, for the slots under its folder. */
  onRevert: { under: string; onRevert: OnRevert }[];
}

/** The settings a file's text gives; throws with a readable message when it is not one. */
export function parseRepoSettings(text: string): RepoSettings {
  const json: unknown = text.trim() === '' ? {} : parse(text, { maxAliasCount: 0, uniqueKeys: true });
  const parsed = schema.safeParse(json ?? {});
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; '));
  const freeze = parsed.data.freeze.map((e) => (typeof e === 'string' ? { window: e } : e));
  for (const e of freeze) parseFreezeWindow(e.window);
  return parsed.data.onRevert === undefined ? { freeze } : { freeze, onRevert: parsed.data.onRevert };
}

/** The path of the settings file for an automation path (`.` → `.tagpilot.yaml`, `apps` → `apps/.tagpilot.yaml`). */
export function settingsPath(root: string): string {
  const r = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return r === '' ? SETTINGS_FILE : `${r}/${SETTINGS_FILE}`;
}

/** Whether a repository path is under an automation path (`.` holds everything): the files a settings file speaks for. */
export function within(path: string, root: string): boolean {
  const r = root.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return r === '' || path === r || path.startsWith(`${r}/`);
}

/** The freeze windows and on-revert defaults of every path's settings file at `head`. */
export async function readRepoSettings(source: FileSource, head: string, roots: readonly string[], problems: Problem[]): Promise<RepoScopes> {
  const found: FreezeSource[] = [];
  const onRevert: RepoScopes['onRevert'] = [];
  for (const root of roots) {
    const path = settingsPath(root);
    const listed = (await source.listFiles(head, [root], (p) => p === path)).files.find((f) => f.path === path);
    if (listed === undefined) continue;
    try {
      if (listed.size > MAX_SETTINGS_BYTES) throw new Error(`${listed.size} bytes, over the ${MAX_SETTINGS_BYTES} byte limit`);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await source.readBlob(listed, MAX_SETTINGS_BYTES));
      const settings = parseRepoSettings(text);
      const windows: FreezeWindow[] = settings.freeze.map((e) => parseFreezeWindow(e.window));
      found.push({ source: path, windows, under: root });
      if (settings.onRevert !== undefined) onRevert.push({ under: root, onRevert: settings.onRevert });
    } catch (error) {
      problems.push(fileProblem('repo-settings-invalid', path, `${(error as Error).message}; every slot under ${root} is frozen until this is fixed`));
      found.push({ source: path, windows: [unreadableFreeze(`${path} (unreadable)`)], under: root });
    }
  }
  return { freezes: found, onRevert };
}
