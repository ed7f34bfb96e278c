/**
 * Where a process's anonymous memory lives, from /proc/<pid>/smaps: the long run's probe records it
 * after each collection, so growth can be told apart between V8's own pages and malloc's.
 *
 * - `v8Pages`: read-write anonymous mappings that start on a 256 KiB boundary and are a multiple of
 *   256 KiB long. V8 allocates every heap chunk (regular and large-object pages) aligned to its
 *   256 KiB page size, because it finds a chunk's header by masking an address; glibc's mmapped
 *   chunks are only 4 KiB aligned.
 * - `v8Code`: the executable (rwx) code range V8 reserves for JIT code.
 * - `brk`: `[heap]`, malloc's main arena.
 * - `arenas`: malloc's thread arenas: a read-write mapping directly followed by its reserved
 *   (`---p`) rest, 64 MiB in all.
 * - `stacks`: 8 MiB thread stacks.
 * - `other`: every other anonymous mapping (malloc's mmapped large chunks among them).
 */

export interface AnonBreakdown {
  v8Pages: number;
  v8Code: number;
  brk: number;
  arenas: number;
  stacks: number;
  other: number;
  /** How many mappings `other` adds up. */
  otherMappings: number;
}

/** KiB of `Anonymous:` per kind of mapping. */
export function anonBreakdown(smaps: string): AnonBreakdown {
  const maps = parse(smaps);
  const out: AnonBreakdown = { v8Pages: 0, v8Code: 0, brk: 0, arenas: 0, stacks: 0, other: 0, otherMappings: 0 };
  for (const [i, m] of maps.entries()) {
    if (m.anonKiB === 0 || (m.path !== '' && m.path !== '[heap]')) continue;
    const next = maps[i + 1];
    const kind = kindOf(m, next);
    out[kind] += m.anonKiB;
    if (kind === 'other') out.otherMappings++;
  }
  return out;
}

interface Mapping {
  start: number;
  end: number;
  perms: string;
  path: string;
  anonKiB: number;
}

const PAGE = 256 * 1024;
const ARENA = 64 * 1024 * 1024;
const STACK = 8 * 1024 * 1024;

function kindOf(m: Mapping, next: Mapping | undefined): Exclude<keyof AnonBreakdown, 'otherMappings'> {
  if (m.path === '[heap]') return 'brk';
  if (m.perms.includes('x')) return 'v8Code';
  const size = m.end - m.start;
  if (next !== undefined && next.start === m.end && next.perms.startsWith('---') && next.end - m.start === ARENA) return 'arenas';
  if (size === STACK) return 'stacks';
  if (m.start % PAGE === 0 && size % PAGE === 0) return 'v8Pages';
  return 'other';
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/;

function parse(smaps: string): Mapping[] {
  const maps: Mapping[] = [];
  for (const line of smaps.split('\n')) {
    const header = HEADER.exec(line);
    if (header !== null) {
      maps.push({ start: Number.parseInt(header[1]!, 16), end: Number.parseInt(header[2]!, 16), perms: header[3]!, path: header[4]!, anonKiB: 0 });
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB$/.exec(line);
    if (anon !== null && maps.length > 0) maps[maps.length - 1]!.anonKiB = Number(anon[1]);
  }
  return maps;
}
