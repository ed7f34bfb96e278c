import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One process as /proc tells it (Linux only: the reliability tests read the process tree). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The executable's name (`comm`), e.g. `node`, `git-http-backend`. */
  name: string;
}

/** Every process alive now, by /proc/<pid>/stat. */
export function processes(): ProcessInfo[] {
  const all: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readStat(Number(entry));
    if (info !== undefined) all.push(info);
  }
  return all;
}

/** `pid`'s children, their children, and so on (not `pid` itself). */
export function descendants(pid: number, all: readonly ProcessInfo[] = processes()): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  // Walk level by level: a child's pid may be lower than its parent's once pids wrap.
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!parents.has(p.ppid) || parents.has(p.pid)) continue;
      parents.add(p.pid);
      found.push(p);
      grew = true;
    }
  }
  return found;
}

/** Whether `pid` is alive and not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  const stat = readStatText(pid);
  return stat !== undefined && stateOf(stat) !== 'Z';
}

/**
 * Resident memory (VmRSS) in KiB and open file descriptors of a live process: `packFds` of them
 * on git pack files (held open while the clone has them, so they come and go with its packs),
 * `fds` all the others.
 */
export function sampleProcess(pid: number): { rssKiB: number; anonKiB: number; fds: number; packFds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    if (rss === null) return undefined;
    const targets = readdirSync(`/proc/${pid}/fd`).map((fd) => target(`/proc/${pid}/fd/${fd}`));
    const packFds = targets.filter((t) => t.endsWith('.pack')).length;
    return { rssKiB: Number(rss[1]), anonKiB: rssAnonKiB(status), fds: targets.length - packFds, packFds };
  } catch {
    return undefined; // exited between the two reads
  }
}

/**
 * RssAnon of a /proc/<pid>/status text: the resident memory the process allocated. VmRSS adds the
 * file-backed pages (the node binary's code, mapped from the page cache), which the kernel drops
 * and reads back as the machine needs memory, whatever the process does.
 */
export function rssAnonKiB(status: string): number {
  return Number(/^RssAnon:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
}

function target(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return ''; // closed since the folder was read
  }
}

function readStat(pid: number): ProcessInfo | undefined {
  const stat = readStatText(pid);
  if (stat === undefined) return undefined;
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split at the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { pid, ppid: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, close) };
}

function stateOf(stat: string): string {
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function readStatText(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}
