/**
 * What a V8 heap snapshot holds, as JSON: self size by node type, and the top constructors (or
 * string, code, array kinds) by self size with their counts, as DevTools' Summary view groups
 * them. `node bench/cycle.bench.ts --memory --profile DIR --snapshot-mib N` writes the snapshots,
 * and so does the long-run soak (test/reliability/gc-probe.ts). With `--diff BASE`, what grew
 * from BASE (an earlier snapshot of the same process) to FILE: the groups by bytes and count
 * gained, and strings grouped by their first 40 characters, which usually names what is kept.
 *
 *   node bench/heap-summary.ts FILE.heapsnapshot [--top 25] [--diff BASE.heapsnapshot]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  bytes: number;
  count: number;
}

interface Summary {
  total: number;
  byType: Map<string, number>;
  byName: Map<string, Group>;
  stringsByPrefix: Map<string, Group>;
}

function summarize(file: string): Summary {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [TYPE, NAME, SIZE] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const summary: Summary = { total: 0, byType: new Map(), byName: new Map(), stringsByPrefix: new Map() };
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + TYPE]!]!;
    const size = heap.nodes[i + SIZE]!;
    summary.total += size;
    summary.byType.set(type, (summary.byType.get(type) ?? 0) + size);
    // Objects by constructor; strings, code and arrays by their kind (their names are their contents).
    const name = type === 'object' || type === 'closure' ? `${type}: ${heap.strings[heap.nodes[i + NAME]!]}` : type;
    add(summary.byName, name, size);
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') add(summary.stringsByPrefix, JSON.stringify(heap.strings[heap.nodes[i + NAME]!]!.slice(0, 40)), size);
  }
  return summary;
}

function add(groups: Map<string, Group>, name: string, bytes: number): void {
  const group = groups.get(name) ?? { bytes: 0, count: 0 };
  group.bytes += bytes;
  group.count++;
  groups.set(name, group);
}

/** Each group's gain from `base` to `later`, the largest first. */
function growth(later: Map<string, Group>, base: Map<string, Group>, top: number): { name: string; MiB: number; count: number }[] {
  return [...later]
    .map(([name, g]) => ({ name, bytes: g.bytes - (base.get(name)?.bytes ?? 0), count: g.count - (base.get(name)?.count ?? 0) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top)
    .map(({ name, bytes, count }) => ({ name, MiB: mib(bytes), count }));
}

const mib = (b: number) => Math.round((b / 2 ** 20) * 1000) / 1000;

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, diff: { type: 'string' } } });
const top = Number(values.top);
const summary = summarize(positionals[0]!);
const report =
  values.diff === undefined
    ? {
        file: positionals[0],
        totalMiB: mib(summary.total),
        byTypeMiB: Object.fromEntries([...summary.byType].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mib(v)])),
        top: [...summary.byName]
          .sort((a, b) => b[1].bytes - a[1].bytes)
          .slice(0, top)
          .map(([name, e]) => ({ name, MiB: mib(e.bytes), count: e.count })),
      }
    : (() => {
        const base = summarize(values.diff);
        return {
          file: positionals[0],
          base: values.diff,
          totalMiB: mib(summary.total),
          grewMiB: mib(summary.total - base.total),
          grew: growth(summary.byName, base.byName, top),
          stringsGrew: growth(summary.stringsByPrefix, base.stringsByPrefix, top),
        };
      })();
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
