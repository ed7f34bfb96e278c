/**
 * Freeze windows: when the bot commits nothing for a slot. Parsed from one text grammar wherever
 * they are written (a workload's `tagpilot.io/freeze`, a repository's `.tagpilot.yaml`, the
 * config); evaluated purely against a clock. Recurrences are croner's (cron with time zones) and
 * dates luxon's: no date arithmetic is done by hand here.
 *
 * - `Mon-Fri 18:00-08:00 Europe/Berlin`: on each of those days from 18:00 to the next 08:00.
 * - `Fri 16:00-Mon 08:00 Europe/Berlin`: from Friday 16:00 to the next Monday 08:00.
 * - `cron(0 22 * * *) for 8h UTC`, `cron(0 18 * * 5) until cron(0 8 * * 1) Europe/Berlin`.
 * - `2026-12-20 .. 2027-01-04T08:00 Europe/Berlin`: an absolute range (end exclusive).
 * The zone is an IANA name (default UTC); an absolute time with an offset keeps its offset.
 */
import { Cron } from 'croner';
import { DateTime, IANAZone } from 'luxon';
import { parseDuration } from './duration.ts';

/** One window, as written, and how to tell when it holds. */
export interface FreezeWindow {
  /** The window as written (what `plan` quotes). */
  text: string;
  rule: { kind: 'range'; startMs: number; endMs: number } | { kind: 'recurring'; start: Cron; end: Cron | { durationMs: number } };
}

export class FreezeError extends Error {
  override name = 'FreezeError';
}

/** Longer texts and more windows per place are refused: each costs a cron evaluation per slot. */
export const MAX_WINDOW_TEXT = 200;
export const MAX_WINDOWS = 20;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_SETS: Readonly<Record<string, string>> = { daily: '*', weekdays: '1-5', weekends: '0,6' };
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** Windows separated by `;` (an annotation's value); empty parts are skipped. */
export function parseFreezeList(text: string): FreezeWindow[] {
  const parts = text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length > MAX_WINDOWS) throw new FreezeError(`${parts.length} windows; at most ${MAX_WINDOWS}`);
  return parts.map(parseFreezeWindow);
}

export function parseFreezeWindow(input: string): FreezeWindow {
  const text = input.trim().replace(/\s+/g, ' ');
  if (text.length > MAX_WINDOW_TEXT) throw new FreezeError(`longer than ${MAX_WINDOW_TEXT} characters`);
  if (text === '') throw new FreezeError('empty freeze window');
  const { body, zone } = splitZone(text);
  const rule = text.includes('..') ? range(body, zone) : body.startsWith('cron(') ? cronRule(body, zone) : weekly(body, zone);
  return { text, rule };
}

/** The zone is the last word when it is `UTC` or an IANA `Area/Location` name; without one, UTC. */
function splitZone(text: string): { body: string; zone: string } {
  const at = text.lastIndexOf(' ');
  const last = at < 0 ? '' : text.slice(at + 1);
  if (last === 'UTC' || /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+$/.test(last)) {
    if (!IANAZone.isValidZone(last)) throw new FreezeError(`unknown time zone "${last}" (use an IANA name such as Europe/Berlin, or UTC)`);
    return { body: text.slice(0, at), zone: last };
  }
  return { body: text, zone: 'UTC' };
}

function range(body: string, zone: string): FreezeWindow['rule'] {
  const [from, to, ...rest] = body.split('..').map((s) => s.trim());
  if (from === undefined || to === undefined || rest.length > 0 || from === '' || to === '') throw new FreezeError(`"${body}": expected "<start> .. <end>"`);
  const startMs = instant(from, zone);
  const endMs = instant(to, zone);
  if (endMs <= startMs) throw new FreezeError(`"${body}": the end is not after the start`);
  return { kind: 'range', startMs, endMs };
}

function instant(text: string, zone: string): number {
  const parsed = DateTime.fromISO(text, { zone });
  if (!parsed.isValid) throw new FreezeError(`"${text}" is not a date or time (ISO 8601: 2026-12-24, 2026-12-24T18:00, 2026-12-24T18:00:00Z)`);
  return parsed.toMillis();
}

const CRON = /^cron\(([^)]*)\)\s*(?:for\s+(\S+)|until\s+cron\(([^)]*)\))$/;

function cronRule(body: string, zone: string): FreezeWindow['rule'] {
  const match = CRON.exec(body);
  if (match === null) throw new FreezeError(`"${body}": expected "cron(<expression>) for <duration>" or "cron(<expression>) until cron(<expression>)"`);
  const start = cron(match[1]!, zone);
  if (match[2] !== undefined) {
    const durationMs = parseDuration(match[2]);
    if (durationMs === undefined || durationMs <= 0) throw new FreezeError(`"${match[2]}" is not a duration like 8h or 2d12h`);
    return { kind: 'recurring', start, end: { durationMs } };
  }
  return { kind: 'recurring', start, end: cron(match[3]!, zone) };
}

/** `Mon-Fri 18:00-08:00` (each of those days, to the next end time) or `Fri 16:00-Mon 08:00`. */
function weekly(body: string, zone: string): FreezeWindow['rule'] {
  const span = /^(\S+) (\d{1,2}:\d{2}) ?- ?(\S+) (\d{1,2}:\d{2})$/.exec(body);
  if (span !== null) {
    const [, fromDay, fromTime, toDay, toTime] = span as unknown as [string, string, string, string, string];
    return { kind: 'recurring', start: cron(`${minuteHour(fromTime)} * * ${daySet(fromDay)}`, zone), end: cron(`${minuteHour(toTime)} * * ${daySet(toDay)}`, zone) };
  }
  const daily = /^(\S+) (\d{1,2}:\d{2}) ?- ?(\d{1,2}:\d{2})$/.exec(body);
  if (daily === null) throw new FreezeError(`"${body}": expected "<days> HH:MM-HH:MM", "<day> HH:MM-<day> HH:MM", "cron(…) for <duration>" or "<start> .. <end>"`);
  const [, days, from, to] = daily as unknown as [string, string, string, string];
  return { kind: 'recurring', start: cron(`${minuteHour(from)} * * ${daySet(days)}`, zone), end: cron(`${minuteHour(to)} * * *`, zone) };
}

function minuteHour(time: string): string {
  const match = TIME.exec(time);
  if (match === null) throw new FreezeError(`"${time}" is not a time of day (HH:MM, 00:00 to 23:59)`);
  return `${Number(match[2])} ${Number(match[1])}`;
}

/** `Mon-Fri`, `Sat,Sun`, `Mon,Wed-Fri`, `daily`, `weekdays`, `weekends` as a cron day-of-week field. */
function daySet(text: string): string {
  const lower = text.toLowerCase();
  const named = DAY_SETS[lower];
  if (named !== undefined) return named;
  return lower
    .split(',')
    .map((part) => {
      const [from, to, ...rest] = part.split('-');
      if (rest.length > 0 || from === undefined) throw new FreezeError(`"${text}" is not a set of days`);
      if (to === undefined) return String(day(from, text));
      const [first, last] = [day(from, text), day(to, text)];
      // A range that passes Sunday (`Fri-Mon`, `Mon-Sun`) wraps around the week: cron counts Sunday as 0.
      return first <= last ? `${first}-${last}` : `${first}-6,0-${last}`;
    })
    .join(',');
}

function day(name: string, whole: string): number {
  const index = DAYS.indexOf(name.slice(0, 3) as (typeof DAYS)[number]);
  if (index < 0 || name.length > 9) throw new FreezeError(`"${whole}": "${name}" is not a day (Mon, Tue, … Sun, or daily, weekdays, weekends)`);
  return index;
}

function cron(expression: string, zone: string): Cron {
  try {
    return new Cron(expression.trim(), { timezone: zone, paused: true });
  } catch (error) {
    throw new FreezeError(`cron "${expression}": ${(error as Error).message.replace(/^CronPattern: /, '')}`);
  }
}

/** When a window that holds at `now` ends; undefined when it does not hold then. */
export function windowEnd(window: FreezeWindow, now: Date): Date | undefined {
  const { rule } = window;
  const t = now.getTime();
  if (rule.kind === 'range') return rule.startMs <= t && t < rule.endMs ? new Date(rule.endMs) : undefined;
  // The latest start at or before now: its window ends last of all that began by then.
  const start = rule.start.previousRuns(1, new Date(t + 1))[0];
  if (start === undefined) return undefined;
  const end = 'durationMs' in rule.end ? new Date(start.getTime() + rule.end.durationMs) : rule.end.nextRun(start);
  return end !== null && t < end.getTime() ? end : undefined;
}

/** A freeze in force: the window holding now, and when the freeze (windows that follow on without a gap included) ends. */
export interface ActiveFreeze {
  window: FreezeWindow;
  until: Date;
}

/** Windows that chain on end to start are followed this far (a window always ends; a chain of them might not). */
const MAX_CHAIN = 64;

/** The freeze in force at `now` among `windows`, if any, with when it ends; pure. */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date): ActiveFreeze | undefined {
  const found = latestEnd(windows, now);
  if (found === undefined) return undefined;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = latestEnd(windows, found.until);
    if (next === undefined || next.until <= found.until) break;
    found.until = next.until;
  }
  return found;
}

function latestEnd(windows: readonly FreezeWindow[], at: Date): ActiveFreeze | undefined {
  let found: ActiveFreeze | undefined;
  for (const window of windows) {
    const end = windowEnd(window, at);
    if (end !== undefined && (found === undefined || end > found.until)) found = { window, until: end };
  }
  return found;
}
