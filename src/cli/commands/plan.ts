import { parseArgs } from 'node:util';
import { plan } from '../../automation/cycle.ts';
import { EXIT, UsageError, type Command } from '../io.ts';
import { table } from '../table.ts';
import { wire } from '../wire.ts';

/** `tagpilot plan --config FILE [--json]`: what a cycle would change, without committing. */
export const planCommand: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
  if (values.config === undefined) throw new UsageError('plan needs --config FILE');
  const { deps } = await wire(values.config, io);
  const { files: _files, ...result } = await plan(deps);
  if (values.json) {
    io.out.write(JSON.stringify(result, null, 2) + '\n');
    return result.problems.length > 0 ? EXIT.failed : EXIT.ok;
  }
  io.out.write(`Plan for ${result.head.slice(0, 12)}: ${result.changes.length} change(s)\n`);
  if (result.changes.length > 0) {
    const rows = result.changes.map((c) => [c.workload ?? '-', c.container ?? '-', c.repository, `${c.from} → ${c.to}`, c.policy, `${c.file}:${c.line}`]);
    io.out.write(table(['WORKLOAD', 'CONTAINER', 'IMAGE', 'CHANGE', 'POLICY', 'FILE'], rows));
  }
  for (const w of result.locked) io.out.write(`locked: ${w} (skipped)\n`);
  for (const p of result.problems) io.out.write(`problem: ${p.subject}: ${p.message}\n`);
  return result.problems.length > 0 ? EXIT.failed : EXIT.ok;
};
