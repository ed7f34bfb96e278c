import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseRepoSettings, settingsPath, within } from '../../automation/index.ts';
import { loadConfig } from '../../config/index.ts';
import { findSlots, readRepoFiles, type ImageSlot, type NamedPolicy } from '../../manifests/index.ts';
import type { Lock, Policy } from '../../policy/index.ts';
import { checkoutDir } from '../checkout.ts';
import type { CliIo } from '../io.ts';
import { exitForProblems } from '../outcome.ts';
import { lockText, noticeLine, writeProblems } from '../present.ts';
import type { Problem } from '../../problems/index.ts';
import { columns } from '../table.ts';
import { readNamedPolicies } from '../named-policies.ts';

export interface WorkloadsOptions {
  repo: string;
  path?: string[];
  /** Named policies for `$imagepolicy` markers come from this config, as in a cycle. */
  config?: string;
  json?: boolean;
  strict?: boolean;
}

/** What a workload (or a file of workload-less slots, like a kustomization) holds. */
export interface WorkloadRow {
  workload: string | null;
  file: string;
  line: number;
  lock: Lock;
  containers: { container: string | null; kind: ImageSlot['kind']; image: string; policy: string | null; file: string; line: number; lock: Lock; freeze: string[]; repoFreeze: RepoFreeze[] }[];
}

/** A freeze window of the repository's `.tagpilot.yaml` over a slot (docs/operations.md#freeze-windows). */
export interface RepoFreeze {
  window: string;
  file: string;
  reason?: string;
}

/** `tagpilot workloads`: every workload and image slot in a local checkout, no registry needed. */
export async function workloads(options: WorkloadsOptions, io: CliIo): Promise<number> {
  const dir = await checkoutDir(io.cwd, options.repo);
  const namedPolicies = await configPolicies(options.config, io);
  const read = await readRepoFiles(dir, options.path ?? ['.']);
  const found = findSlots(read.files, { namedPolicies });
  const settings = await repoFreezes(dir, options.path ?? ['.']);
  const rows = groupByWorkload(found.slots, settings.freezes);
  const problems = [...read.problems, ...found.problems, ...settings.problems];
  if (options.json) io.out.write(`${JSON.stringify({ workloads: rows, problems, notices: found.notices }, null, 2)}\n`);
  else writeTable(io, rows);
  writeProblems(io, problems);
  for (const n of found.notices) io.err.write(noticeLine(n));
  return exitForProblems(problems, options.strict);
}

async function configPolicies(path: string | undefined, io: CliIo): Promise<ReadonlyMap<string, NamedPolicy> | undefined> {
  if (path === undefined) return undefined;
  return readNamedPolicies(await loadConfig(resolve(io.cwd, path), io.env));
}

export function policyText(policy: Policy | undefined): string | null {
  if (policy === undefined) return null;
  // Every policy kind keeps the text it was written as; fall back to its kind if one does not.
  return (policy as { source?: string }).source ?? policy.kind;
}

/** The windows of each path's `.tagpilot.yaml` in the checkout; an unreadable one is a problem (it freezes everything under it in a cycle). */
async function repoFreezes(dir: string, roots: readonly string[]): Promise<{ freezes: { under: string; windows: RepoFreeze[] }[]; problems: Problem[] }> {
  const freezes: { under: string; windows: RepoFreeze[] }[] = [];
  const problems: Problem[] = [];
  for (const root of roots) {
    const file = settingsPath(root);
    const text = await readFile(join(dir, file), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      freezes.push({ under: root, windows: parseRepoSettings(text).freeze.map((e) => ({ window: e.window, file, ...(e.reason === undefined ? {} : { reason: e.reason }) })) });
    } catch (error) {
      problems.push({ code: 'repo-settings-invalid', subject: file, file, message: `${(error as Error).message}; a cycle freezes every slot under ${root} until this is fixed` });
      freezes.push({ under: root, windows: [{ window: 'unreadable: frozen until fixed', file }] });
    }
  }
  return { freezes, problems };
}

export function groupByWorkload(slots: readonly ImageSlot[], repo: readonly { under: string; windows: RepoFreeze[] }[] = []): WorkloadRow[] {
  const rows = new Map<string, WorkloadRow>();
  for (const slot of slots) {
    const key = slot.workload ?? `file:${slot.file}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { workload: slot.workload ?? null, file: slot.file, line: slot.line, lock: slot.lock, containers: [] };
      rows.set(key, row);
    }
    row.containers.push({ container: slot.container ?? null, kind: slot.kind, image: slot.image, policy: policyText(slot.policy), file: slot.file, line: slot.line, lock: slot.lock, freeze: (slot.freeze ?? []).map((w) => w.text), repoFreeze: repo.filter((r) => within(slot.file, r.under)).flatMap((r) => r.windows) });
  }
  return [...rows.values()];
}

function writeTable(io: CliIo, rows: readonly WorkloadRow[]): void {
  // The first column is the id the workload verbs take: the workload, or the file of slots outside one.
  const table = [['WORKLOAD', 'FILE:LINE', 'CONTAINER', 'IMAGE', 'POLICY', 'LOCK', 'FREEZE']];
  for (const row of rows) {
    for (const c of row.containers) {
      const freezes = [...c.freeze, ...c.repoFreeze.map((f) => `${f.window} (${f.file})`)];
      table.push([row.workload ?? c.file, `${c.file}:${c.line}`, c.container ?? '-', c.image, c.policy ?? '-', lockText(c.lock), freezes.join('; ') || '-']);
    }
  }
  io.out.write(columns(table));
}
