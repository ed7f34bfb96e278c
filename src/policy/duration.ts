const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Bounded so a duration never overflows into nonsense: at most six digits per part. */
const DURATION = /^(?:\d{1,6}(?:\.\d{1,3})?(?:ms|s|m|h|d|w))+$/;

/**
 * The one duration grammar of tagpilot (config intervals, min-age filters): `500ms`, `90s`,
 * `5m`, `1h30m`, `1.5d`, `2w`. Undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return ms;
}

/** The longest delay Node's timers take (2³¹−1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay every timer can take: anything past MAX_TIMER_MS is capped (Node would otherwise fire
 * it after 1 ms, turning a long wait into a hot loop); NaN and negatives wait 0 ms.
 */
export function timerDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
