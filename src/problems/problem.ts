import type { Code } from './codes.ts';
import { errorCode } from './error.ts';

/**
 * Something that could not be done, with where and why; the rest of the work goes on
 * (invariant 5). One shape for every layer: the manifests, the registry, the cycle and the CLI.
 */
export interface Problem {
  code: Code;
  /** What it is about, as people read it: `file`, `file:line`, `file:line workload`, or an image. */
  subject: string;
  message: string;
  /** The repository file, when the problem is in one. */
  file?: string;
  /** 1-based, when known. */
  line?: number;
}

/** A problem in a file (at a line, when known): its subject is `file` or `file:line`. */
export function fileProblem(code: Code, file: string, message: string, line?: number): Problem {
  const problem: Problem = { code, subject: line === undefined ? file : `${file}:${line}`, message, file };
  if (line !== undefined) problem.line = line;
  return problem;
}

/** A thrown error as a problem: its code (`internal` when it is not ours) and its message. */
export function problemFrom(error: unknown, subject: string, where: { file?: string; line?: number } = {}): Problem {
  const message = error instanceof Error ? error.message : String(error);
  return { code: errorCode(error), subject, message, ...where };
}

/**
 * Worth telling, and not a failure: the item was handled (a foreign marker left alone, a bad
 * digest replaced). Logged at its level; never counted with the problems (`--strict`, exit codes).
 */
export interface Notice extends Problem {
  level: 'info' | 'warn';
}

/** A notice about a file (at a line, when known). */
export function fileNotice(level: Notice['level'], code: Code, file: string, message: string, line?: number): Notice {
  return { level, ...fileProblem(code, file, message, line) };
}
