/**
 * What a V8 heap snapshot holds, as JSON: self size by node type, and the top constructors (or
 * string, code, array kinds) by self size with their counts, as DevTools' Summary view groups
 * them. `node bench/cycle.bench.ts --memory --profile DIR --snapshot-mib N` writes the snapshots.
 *
 *   node bench/heap-summary.ts FILE.heapsnapshot [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const heap = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Snapshot;
const fields = heap.snapshot.meta.node_fields;
const types = heap.snapshot.meta.node_types[0];
const [TYPE, NAME, SIZE] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];

const byType = new Map<string, number>();
const byName = new Map<string, { bytes: number; count: number }>();
for (let i = 0; i < heap.nodes.length; i += fields.length) {
  const type = types[heap.nodes[i + TYPE]!]!;
  const size = heap.nodes[i + SIZE]!;
  byType.set(type, (byType.get(type) ?? 0) + size);
  // Objects by constructor; strings, code and arrays by their kind (their names are their contents).
  const name = type === 'object' || type === 'closure' ? `${type}: ${heap.strings[heap.nodes[i + NAME]!]}` : type;
  const entry = byName.get(name) ?? { bytes: 0, count: 0 };
  entry.bytes += size;
  entry.count++;
  byName.set(name, entry);
}

const mib = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;
const total = [...byType.values()].reduce((a, b) => a + b, 0);
process.stdout.write(
  `${JSON.stringify(
    {
      file: positionals[0],
      totalMiB: mib(total),
      byTypeMiB: Object.fromEntries([...byType].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mib(v)])),
      top: [...byName]
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .slice(0, Number(values.top))
        .map(([name, e]) => ({ name, MiB: mib(e.bytes), count: e.count })),
    },
    null,
    2,
  )}\n`,
);
