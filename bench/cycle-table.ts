/**
 * A Markdown table of `bench/cycle.bench.ts` results, side by side: medians of CPU time, wall
 * time and peak RSS per case (for the controller, CPU per warm cycle and the process's peak RSS).
 *
 *   node bench/cycle-table.ts before.json [after.json]
 */
import { readFileSync } from 'node:fs';

interface Range {
  median: number;
}

interface OnceCase {
  cpuMs: Range;
  wallMs: Range;
  rssMiB: Range;
}

interface ControllerCase {
  cpuMsPerCycle: Range;
  cycleMs: number;
  peakRssMiB: number;
}

type Case = OnceCase | ControllerCase;

interface Result {
  results: Record<string, Record<string, Record<string, Case> | number>>;
}

const files = process.argv.slice(2);
const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Result);

/** [cpu ms, wall ms, peak RSS MiB] of one case. */
function figures(c: Case | undefined): [number, number, number] | undefined {
  if (c === undefined) return undefined;
  if ('cpuMsPerCycle' in c) return [c.cpuMsPerCycle.median, c.cycleMs, c.peakRssMiB];
  return [c.cpuMs.median, c.wallMs.median, c.rssMiB.median];
}

const rows: string[][] = [];
const first = runs[0]!;
for (const [size, bySize] of Object.entries(first.results)) {
  for (const [flags, cases] of Object.entries(bySize)) {
    if (typeof cases === 'number') continue;
    for (const name of Object.keys(cases)) {
      const cells = runs.map((r) => figures((r.results[size]?.[flags] as Record<string, Case> | undefined)?.[name]));
      const shown = cells.map((f) => (f === undefined ? '–' : `${Math.round(f[0])} / ${Math.round(f[1])} / ${f[2].toFixed(1)}`));
      const ratio = cells.length === 2 && cells[0] !== undefined && cells[1] !== undefined ? [`${(cells[1][0] / cells[0][0]).toFixed(2)}×`] : [];
      rows.push([size, flags, name, ...shown, ...ratio]);
    }
  }
}

const header = ['N', 'flags', 'case', ...files.map((f) => `${f.split('/').at(-1)}: CPU ms / wall ms / peak MiB`), ...(files.length === 2 ? ['CPU after/before'] : [])];
const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
process.stdout.write([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n');
