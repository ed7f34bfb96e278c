/**
 * What the reliability scenarios check of the branch once a run is over, against the invariants
 * (DESIGN.md): every move of the branch was a fast-forward (the `update` hook of scenario.ts
 * records each), every arrived tag landed (it, or a newer one, reached its slot), no slot ever
 * moved to an older tag or back to an earlier value, and no bot commit is empty or repeats a
 * change. It also measures the time from a tag's arrival to the ref move that landed it.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { git } from '../harness/git-repos.ts';
import { slotValue, type Series } from './scenario.ts';

/** A tag that arrived: its series (index), its rank in the series' arrival order, and when (ms since the epoch). */
export interface Arrival {
  series: number;
  rank: number;
  at: number;
}

export interface LandingFigures {
  arrivals: number;
  /** Commits by a bot (author `tagpilot-…`) on the branch. */
  writerCommits: number;
  refMoves: number;
  /** Arrived tags first landed by a bot, and by a person's release by hand. */
  landedByWriters: number;
  landedByHuman: number;
  /** Time from a tag's arrival to the ref move that first put it (or a newer one) in its slot, ms. */
  latencyMs: { p50: number; p95: number; max: number };
}

export interface Landing {
  figures: LandingFigures;
  /** Broken promises; empty when the run is clean. */
  violations: string[];
}

/** Waits until every slot holds its series' newest tag; false if `ms` went by first. */
export async function drain(bare: string, all: Series[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const files = all.map((s) => git(bare, 'show', `main:${s.file}`));
    if (all.every((s, i) => slotValue(files[i]!, s) === s.tags.at(-1))) return true;
    if (Date.now() > until) return false;
    await sleep(100);
  }
}

interface State {
  sha: string;
  author: string;
  parents: number;
  /** Rank of each series' slot value in its arrival order (-1: a value that never arrived). */
  ranks: number[];
  values: string[];
}

/** Checks the branch of `bare` and the hook's `movesFile` against the arrivals. */
export function checkLanding(bare: string, movesFile: string, all: Series[], arrivals: readonly Arrival[]): Landing {
  const violations: string[] = [];
  const moves = readFileSync(movesFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '));
  for (const move of moves) if (move[4] === 'refused') violations.push(`a non-fast-forward move was attempted: ${move[2]} → ${move[3]}`);
  const landedAt = new Map(moves.filter((m) => m[4] === undefined).map((m) => [m[3]!, Number(m[0])]));
  const history: State[] = git(bare, 'log', '--reverse', '--format=%H %P|%an', 'main')
    .trim()
    .split('\n')
    .map((line) => {
      const [shas = '', author = ''] = line.split('|');
      const [sha = '', ...parents] = shas.trim().split(' ');
      const values = all.map((s) => slotValue(git(bare, 'show', `${sha}:${s.file}`), s) ?? '');
      return { sha, author, parents: parents.length, values, ranks: values.map((v, i) => all[i]!.tags.indexOf(v)) };
    });
  checkHistory(history, all, violations);
  const latencies: number[] = [];
  let byHuman = 0;
  for (const arrival of arrivals) {
    const landing = history.find((state) => state.ranks[arrival.series]! >= arrival.rank);
    if (landing === undefined) {
      violations.push(`${all[arrival.series]!.tags[arrival.rank]} (${all[arrival.series]!.repo}) never landed`);
      continue;
    }
    if (landing.author === 'Dev') byHuman++;
    else latencies.push(Math.max(0, (landedAt.get(landing.sha) ?? Number.NaN) - arrival.at));
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const writerCommits = history.filter((s) => s.author.startsWith('tagpilot-')).length;
  return {
    violations,
    figures: { arrivals: arrivals.length, writerCommits, refMoves: moves.length, landedByWriters: latencies.length, landedByHuman: byHuman, latencyMs: { p50: at(0.5), p95: at(0.95), max: latencies.at(-1) ?? 0 } },
  };
}

/** Linear, fast-forward history; per slot, ranks never go down and values never come back; bot commits change something new. */
function checkHistory(history: State[], all: Series[], violations: string[]): void {
  const seenValues = all.map(() => new Set<string>());
  const transitions = new Set<string>();
  for (const [i, state] of history.entries()) {
    if (state.parents > 1) violations.push(`a merge commit ${state.sha.slice(0, 12)} on the branch`);
    const previous = history[i - 1];
    let changed = false;
    for (const [k, s] of all.entries()) {
      const value = state.values[k]!;
      if (previous === undefined) {
        seenValues[k]!.add(value);
        continue;
      }
      const before = previous.values[k]!;
      if (value === before) continue;
      changed = true;
      if (state.ranks[k]! < previous.ranks[k]!) violations.push(`downgrade by ${state.author}: ${s.repo} ${before} → ${value} (${state.sha.slice(0, 12)})`);
      if (seenValues[k]!.has(value)) violations.push(`ping-pong by ${state.author}: ${s.repo} back to ${value} (${state.sha.slice(0, 12)})`);
      seenValues[k]!.add(value);
      const transition = `${s.repo} ${before} → ${value}`;
      if (transitions.has(transition) && state.author.startsWith('tagpilot-')) violations.push(`duplicate change by ${state.author}: ${transition}`);
      transitions.add(transition);
    }
    if (previous !== undefined && !changed && state.author.startsWith('tagpilot-')) violations.push(`a writer commit that changes no slot: ${state.sha.slice(0, 12)} by ${state.author}`);
  }
}
