import { EXIT } from './io.ts';

/**
 * A problem with one file, workload or image is reported, and the rest of the work stands: exit 0,
 * unless the user asked for `--strict` (docs/cli.md).
 */
export function exitForProblems(problems: readonly unknown[], strict: boolean | undefined): number {
  return strict === true && problems.length > 0 ? EXIT.failed : EXIT.ok;
}
