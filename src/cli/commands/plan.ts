import { plan as planCycle, type SlotExplanation } from '../../automation/index.ts';
import type { CliIo } from '../io.ts';
import { exitForProblems } from '../outcome.ts';
import { noticeLine } from '../present.ts';
import { columns, table } from '../table.ts';
import { wire, type WireOptions } from '../wire.ts';

export interface PlanOptions extends WireOptions {
  config: string;
  json?: boolean;
  strict?: boolean;
  explain?: boolean;
}

/** `tagpilot plan --config FILE [--json]`: what a cycle would change, without committing. */
export async function plan(options: PlanOptions, io: CliIo): Promise<number> {
  const { deps } = await wire(options.config, io, options);
  const { files: _files, ...result } = await planCycle(options.explain === true ? { ...deps, explain: true } : deps);
  if (options.json) {
    io.out.write(JSON.stringify(result, null, 2) + '\n');
    return exitForProblems(result.problems, options.strict);
  }
  io.out.write(`Plan for ${result.head.slice(0, 12)}: ${result.changes.length} change(s)\n`);
  if (result.changes.length > 0) {
    const rows = result.changes.map((c) => [c.workload ?? '-', c.container ?? '-', c.repository, `${c.from} → ${c.to}`, c.policy, `${c.file}:${c.line}`]);
    io.out.write(table(['WORKLOAD', 'CONTAINER', 'IMAGE', 'CHANGE', 'POLICY', 'FILE'], rows));
  }
  for (const e of result.explanations ?? []) io.out.write(explainText(e));
  if (result.holds.length > 0) {
    const rows = result.holds.map((h) => [h.code, h.subject, h.candidate ?? '-', h.message]);
    io.out.write(`Held: ${result.holds.length} slot(s)\n${table(['HOLD', 'SLOT', 'WAITS', 'WHY'], rows)}`);
  }
  for (const r of result.signatureRejections ?? []) io.out.write(`rejected: ${r.subject}: ${r.repository}:${r.tag}: ${r.reason} (${r.detail ?? ''})\n`);
  for (const p of result.problems) io.out.write(`problem: ${p.subject}: ${p.message}\n`);
  for (const n of result.notices) io.out.write(noticeLine(n));
  return exitForProblems(result.problems, options.strict);
}

/** One slot's outcome, then per reason the count and the highest tags. */
function explainText(e: SlotExplanation): string {
  const head = `explain: ${e.subject} ${e.image} (${e.policy}): ${e.why ?? e.selected ?? 'nothing selected'}\n`;
  if (e.reasons.length === 0) return head;
  const rows = e.reasons.map((r) => [`  ${r.reason}`, String(r.count), `${r.tags.join(', ')}${r.count > r.tags.length ? ', …' : ''}`]);
  return head + columns(rows);
}
