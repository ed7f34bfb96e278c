export * from './types.ts';
export * from './lock.ts';
export * from './policy.ts';
export * from './filters.ts';
export * from './select.ts';
export * from './annotations.ts';
export { MAX_TIMER_MS, timerDelay } from './duration.ts';
export { parseVersion, compareVersions, type Version } from './version.ts';
export { PatternError, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, type Matcher, type TagRegex } from './pattern.ts';
export type { RelativeLevel } from './relative.ts';
export type { SortOrder } from './ordered.ts';
export type { SemverRange } from './semver-policy.ts';
export { compileRegex } from './pattern.ts';
export { parseTemplate, type TagExtract } from './extract.ts';
export type { Compatibility } from './compat.ts';
export { hasImageUpdater, readImageUpdater, IMAGE_UPDATER, type UpdaterImage } from './image-updater.ts';
export { summariseRejections, type ReasonSummary } from './explain.ts';
/** The one duration grammar (`30s`, `1h30m`): undefined when the text is not a duration. */
export { parseDuration as readDuration } from './duration.ts';
