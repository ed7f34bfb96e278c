import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * The layer contract (docs/design.md): folders follow the data flow, and a folder may import only
 * from folders before it, and only through their `index.ts`. Same rank means siblings, which do
 * not import each other. A new folder must be placed here before it can be imported at all.
 */
export const LAYERS: Readonly<Record<string, number>> = {
  problems: 0,
  image: 1,
  policy: 2,
  registry: 3,
  manifests: 4,
  git: 5,
  automation: 6,
  config: 7,
  runtime: 8,
  server: 9,
  kube: 9,
  hosting: 9,
  notify: 9,
  cli: 10,
};

/** Entry points nobody imports: they need no index.ts. */
const NO_INDEX = new Set(['cli']);

const SRC = resolve(import.meta.dirname, '../../src');

export interface Edge {
  /** Paths relative to src/, POSIX separators. */
  from: string;
  to: string;
}

/** Every rule an edge breaks, as one line each; empty when the graph keeps the contract. */
export function violations(edges: readonly Edge[]): string[] {
  const found: string[] = [];
  for (const { from, to } of edges) {
    const source = from.split('/')[0]!;
    const target = to.split('/')[0]!;
    if (!(target in LAYERS)) found.push(`${from} → ${to}: src/${target} is not a known layer`);
    if (!(source in LAYERS)) found.push(`${from}: src/${source} is not a known layer (add it to LAYERS and docs/design.md)`);
    if (source === target) {
      if (isCommand(from) && isCommand(to)) found.push(`${from} → ${to}: a command imports another command; move the shared part to src/cli`);
      continue;
    }
    if (to !== `${target}/index.ts`) found.push(`${from} → ${to}: bypasses src/${target}/index.ts`);
    if ((LAYERS[target] ?? Infinity) >= (LAYERS[source] ?? -Infinity)) found.push(`${from} → ${to}: ${source} may not import ${target} (up the data flow)`);
  }
  return found;
}

function isCommand(path: string): boolean {
  return path.startsWith('cli/commands/');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const posix = (path: string) => path.split(sep).join('/');

/** The relative imports of src/ as written: static, type-only, re-exports and dynamic `import()`. */
function importGraph(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName);
      assert.ok(existsSync(target), `${posix(relative(SRC, file))} imports ${fileName}, which does not exist`);
      edges.push({ from: posix(relative(SRC, file)), to: posix(relative(SRC, target)) });
    }
  }
  return edges;
}

test('the import graph of src/ keeps the layer contract', () => {
  const edges = importGraph();
  assert.ok(edges.length > 100, `only ${edges.length} imports found: is the scan broken?`);
  assert.deepEqual(violations(edges), []);
});

test('every layer that is imported has an index.ts', () => {
  const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
  const missing = folders.filter((name) => !NO_INDEX.has(name) && !existsSync(join(SRC, name, 'index.ts')));
  assert.deepEqual(missing, []);
  assert.deepEqual(
    readdirSync(SRC).filter((name) => name.endsWith('.ts')),
    [],
    'no loose files directly in src/',
  );
});

test('the checker catches a bypassed index, an import up the flow, an unknown folder and command to command', () => {
  assert.deepEqual(
    violations([
      { from: 'automation/cycle.ts', to: 'git/index.ts' },
      { from: 'git/tree.ts', to: 'git/objects.ts' },
    ]),
    [],
  );
  assert.deepEqual(violations([{ from: 'automation/cycle.ts', to: 'registry/limits.ts' }]), ['automation/cycle.ts → registry/limits.ts: bypasses src/registry/index.ts']);
  assert.deepEqual(violations([{ from: 'git/repo.ts', to: 'automation/index.ts' }]), ['git/repo.ts → automation/index.ts: git may not import automation (up the data flow)']);
  assert.deepEqual(violations([{ from: 'server/http.ts', to: 'kube/index.ts' }]), ['server/http.ts → kube/index.ts: server may not import kube (up the data flow)']);
  assert.match(violations([{ from: 'util/x.ts', to: 'image/index.ts' }])[0]!, /src\/util is not a known layer/);
  assert.match(violations([{ from: 'cli/commands/release.ts', to: 'cli/commands/workloads.ts' }])[0]!, /a command imports another command/);
});
