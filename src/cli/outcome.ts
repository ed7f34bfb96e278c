import { EXIT } from './io.ts';

/**
 * A problem with one file, workload or image is reported, and the rest of the work stands: exit 0,
 * unless the user asked for `--strict` (docs/cli.md).
 */
export function exitForProblems(problems: readonly unknown[], strict: boolean | undefined): number {
  return strict === true && problems.length > 0 ? EXIT.failed : EXIT.ok;
}

/** How many problems of each code (`problem` for those without one), codes in name order. */
export function problemCounts(problems: readonly object[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of problems) {
    const code = 'code' in p && typeof p.code === 'string' ? p.code : 'problem';
    counts[code] = (counts[code] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
