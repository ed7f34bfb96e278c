/**
 * A Markdown table of `bench/cycle.bench.ts` results: medians of CPU time, wall time and peak RSS
 * per case (for the controller, CPU and time per warm cycle and the process's peak RSS). One
 * column per file, or per build of a `--builds` run; with two columns, the CPU ratio.
 *
 *   node bench/cycle-table.ts results.json [more.json]
 */
import { readFileSync } from 'node:fs';

interface Range {
  median: number;
}

type Case = { cpuMs: Range; wallMs: Range; rssMiB: Range } | { cpuMsPerCycle: Range; cycleMs: number; peakRssMiB: number };

interface Result {
  builds?: string[];
  results: Record<string, Record<string, Record<string, unknown> | number>>;
}

/** [cpu ms, wall ms, peak RSS MiB] of one case. */
function figures(c: Case | undefined): [number, number, number] | undefined {
  if (c === undefined) return undefined;
  if ('cpuMsPerCycle' in c) return [c.cpuMsPerCycle.median, c.cycleMs, c.peakRssMiB];
  return [c.cpuMs.median, c.wallMs.median, c.rssMiB.median];
}

const isCase = (v: unknown): v is Case => typeof v === 'object' && v !== null && ('cpuMs' in v || 'cpuMsPerCycle' in v);

/** Columns: one per file, or one per build of a file that compared builds. */
const columns: { label: string; pick: (size: string, flags: string, name: string) => Case | undefined }[] = [];
for (const file of process.argv.slice(2)) {
  const result = JSON.parse(readFileSync(file, 'utf8')) as Result;
  const at = (size: string, flags: string, name: string) => (result.results[size]?.[flags] as Record<string, unknown> | undefined)?.[name];
  const builds = result.builds?.map((b) => b.split('=')[0]!) ?? [];
  if (builds.length > 1) for (const build of builds) columns.push({ label: build, pick: (...k) => (at(...k) as Record<string, Case> | undefined)?.[build] });
  else
    columns.push({
      label: file.split('/').at(-1)!,
      pick: (...k) => {
        const c = at(...k);
        return isCase(c) ? c : undefined;
      },
    });
}

const first = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Result;
const rows: string[][] = [];
for (const [size, bySize] of Object.entries(first.results)) {
  for (const [flags, cases] of Object.entries(bySize)) {
    if (typeof cases === 'number') continue;
    for (const name of Object.keys(cases)) {
      const cells = columns.map((c) => figures(c.pick(size, flags, name)));
      const shown = cells.map((f) => (f === undefined ? '–' : `${Math.round(f[0])} / ${Math.round(f[1])} / ${f[2].toFixed(1)}`));
      const [a, b] = cells;
      const ratio = cells.length === 2 ? [a !== undefined && b !== undefined ? `${(b[0] / a[0]).toFixed(2)}×` : '–'] : [];
      rows.push([size, flags, name, ...shown, ...ratio]);
    }
  }
}

const header = ['N', 'flags', 'case', ...columns.map((c) => `${c.label}: CPU ms / wall ms / peak MiB`), ...(columns.length === 2 ? ['CPU, 2nd/1st'] : [])];
const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
process.stdout.write([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n');
