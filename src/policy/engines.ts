/**
 * The compiled RE2 programs behind tag patterns, with their memory bounded. re2js builds a DFA
 * lazily per program and lets it grow to 8 MiB; a repository can hold thousands of patterns, so
 * each DFA here gets a small budget (past it, RE2 falls back to its NFA: slower, still linear),
 * and only the most recently used programs stay compiled (a pattern recompiles on its next use).
 */
import { RE2JS } from 're2js';

/** A pattern's RE2 source and, when it is live, its compiled program. */
export interface Engine {
  source: string;
  compiled?: RE2JS;
}

/** Enough for the policy and all 32 ignore patterns of one selection to stay live together. */
export const LIVE_ENGINES = 64;
/** DFA cache per live program: tens of states are what real tag patterns use. */
export const DFA_BUDGET_BYTES = 256 * 1024;

const live = new Set<Engine>();
let recent: Engine | undefined;

/** Compiles `source` (throws RE2's syntax errors) and keeps it live. */
export function compileEngine(source: string): Engine {
  const engine: Engine = { source, compiled: capDfa(RE2JS.compile(source)) };
  engineFor(engine);
  return engine;
}

/** The compiled program of `engine`, recompiling it if it was dropped. */
export function engineFor(engine: Engine): RE2JS {
  if (engine === recent && engine.compiled !== undefined) return engine.compiled;
  recent = engine;
  // Most recently used last: the first in the set is the one to drop.
  live.delete(engine);
  live.add(engine);
  if (live.size > LIVE_ENGINES) drop(live.values().next().value as Engine);
  engine.compiled ??= capDfa(RE2JS.compile(engine.source));
  return engine.compiled;
}

function drop(engine: Engine): void {
  live.delete(engine);
  delete engine.compiled;
}

/** The DFA class of this re2js build, taken from a probe (re2js does not export it). */
type DfaConstructor = new (prog: unknown, maxMem: number) => NonNullable<ReturnType<RE2JS['re2']>['lazyDFA']>;
let dfaClass: DfaConstructor | undefined;

function capDfa(compiled: RE2JS): RE2JS {
  dfaClass ??= probeDfaClass();
  const re2 = compiled.re2();
  // Set before first use: the lazy getter only builds its own (8 MiB) DFA when this is null.
  if (re2.lazyDFA === null || re2.lazyDFA === undefined) re2.lazyDFA = new dfaClass(re2.prog, DFA_BUDGET_BYTES);
  return compiled;
}

function probeDfaClass(): DfaConstructor {
  const probe = RE2JS.compile('a[bc]+d');
  probe.test('xabd');
  const dfa = probe.re2().lazyDFA as object | null | undefined;
  if (dfa === null || dfa === undefined) throw new Error('re2js no longer builds a lazy DFA: revisit src/policy/engines.ts');
  return dfa.constructor as DfaConstructor;
}

/** How many programs are compiled now (for tests). */
export function liveEngines(): number {
  return live.size;
}
