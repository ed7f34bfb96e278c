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

/** The parts of re2js's compiled program that `anchoredPrefix` reads (re2js does not export its types). */
interface ProgInst {
  op: number;
  out: number;
  arg: number;
  runes: ArrayLike<number>;
}

/** re2js's instruction codes and flags (Inst, RE2Flags, Utils in its build). */
const OP = { capture: 3, emptyWidth: 4, nop: 7, rune1: 9 } as const;
const EMPTY_BEGIN_TEXT = 4;
const FOLD_CASE = 1;

/**
 * The literal text every match begins the tag with (`^main-(?<n>\d+)` → `main-`), read from the
 * compiled program: the start anchor, then single-rune instructions each with one way on. Empty
 * when the pattern is unanchored, folds case or opens with a choice. A tag that does not start
 * with it cannot match, which `startsWith` tells for a fraction of what the engine costs.
 */
export function anchoredPrefix(compiled: RE2JS): string {
  const prog = compiled.re2().prog as unknown as { start: number; inst: ProgInst[] };
  let pc = prog.start;
  let anchored = false;
  let prefix = '';
  // Bounded by the program's size: each step moves to the one instruction after.
  for (let steps = 0; steps < prog.inst.length; steps++) {
    const inst = prog.inst[pc];
    if (inst === undefined) return '';
    if (inst.op === OP.nop || inst.op === OP.capture) {
      pc = inst.out;
    } else if (!anchored) {
      if (inst.op !== OP.emptyWidth || inst.arg !== EMPTY_BEGIN_TEXT) return '';
      anchored = true;
      pc = inst.out;
    } else if (inst.op === OP.rune1 && inst.runes.length === 1 && (inst.arg & FOLD_CASE) === 0) {
      prefix += String.fromCodePoint(inst.runes[0] as number);
      pc = inst.out;
    } else {
      break;
    }
  }
  return prefix;
}
