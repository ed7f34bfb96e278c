/**
 * Where a `--cpu-prof` profile's time went, as JSON: self time by area (module loading, GC, each
 * dependency, each src/ folder), the top functions by self time, and the time spent under each
 * of our exported entry points (inclusive). `node bench/cycle.bench.ts --profile DIR` writes the
 * profiles.
 *
 *   node bench/profile-summary.ts FILE.cpuprofile [--top 25] [--under name,name…]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, under: { type: 'string' } } });
const DEFAULT_UNDER = ['plan', 'runCycle', 'sync', 'readFilesAt', 'decodeFiles', 'findSlots', 'parseFile', 'fetchTags', 'listTags', 'decideSlot', 'editFiles', 'applyEdits', 'commit', 'push', 'wire', 'loadConfig', 'logCycle'];
const under = values.under?.split(',') ?? DEFAULT_UNDER;

const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Each sample's time is the delta to the next one, as Chrome DevTools counts it.
const selfUs = new Map<number, number>();
for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** The area a frame's own time belongs to. */
function area(frame: CallFrame, stack: readonly CallFrame[]): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (native, compile)';
  if (stack.some((f) => /node:internal\/modules\/(esm|cjs)\/(loader|translators|module_job|utils)/.test(f.url) && f.functionName !== 'run') && !stack.some((f) => /\/src\//.test(f.url) && f.functionName !== '')) return 'module loading';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];
  if (pkg !== undefined) return `npm:${pkg}`;
  const own = url.match(/\/(?:src|dist)\/([^/]+)\//)?.[1];
  if (own !== undefined) return `src/${own}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url === '' ? `native:${functionName || '(anonymous)'}` : url;
}

function stackOf(id: number): CallFrame[] {
  const frames: CallFrame[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
  return frames;
}

const areas = new Map<string, number>();
const functions = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const stack = stackOf(id);
  const frame = stack[0]!;
  const a = area(frame, stack);
  areas.set(a, (areas.get(a) ?? 0) + us);
  const where = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|src|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
  functions.set(where, (functions.get(where) ?? 0) + us);
  const names = new Set(stack.filter((f) => /\/(src|dist)\//.test(f.url) && !f.url.includes('node_modules')).map((f) => f.functionName));
  for (const name of under) if (names.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
}

const ms = (us: number) => Math.round(us / 100) / 10;
const sorted = (m: Map<string, number>, n = Infinity) =>
  Object.fromEntries(
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, ms(v)]),
  );
process.stdout.write(`${JSON.stringify({ file: positionals[0], totalMs: ms(total), byArea: sorted(areas), topSelf: sorted(functions, Number(values.top)), inclusiveMs: Object.fromEntries(under.map((n) => [n, ms(inclusive.get(n) ?? 0)])) }, null, 2)}\n`);
