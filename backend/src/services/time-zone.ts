/**
 * @module time-zone — the caller's time zone for per-day stats. `?tz=` is an IANA name (`Asia/Shanghai`)
 * or a fixed offset in minutes east of UTC (`480`); a zone becomes the list of UTC offsets in force over a
 * window, so both SQL dialects can bucket records by local day without the database knowing time zones
 * (MySQL's zone tables are often empty, SQLite has none).
 */
import type { OffsetSpan } from '../db/transcript-repository';
import { ServiceError } from './errors';

export type TimeZone =
  | { readonly kind: 'iana'; readonly name: string }
  | { readonly kind: 'offset'; readonly minutes: number };

export const UTC: TimeZone = { kind: 'offset', minutes: 0 };

/** Real offsets run from UTC−12:00 (Baker Island) to UTC+14:00 (Kiribati). */
const MIN_OFFSET_MINUTES = -720;
const MAX_OFFSET_MINUTES = 840;
const DAY_MS = 86_400_000;
/** Sampling step when looking for offset changes: transitions are months apart, never within 6 hours. */
const SCAN_STEP_MS = 6 * 3_600_000;

const BAD_TZ_MESSAGE =
  'tz must be an IANA time zone name (e.g. Asia/Shanghai) or a UTC offset in minutes east of UTC from -720 to 840 (e.g. 480 for UTC+8)';

/**
 * Parses a `tz` query value; throws `ServiceError` `BAD_TZ` for anything else.
 *
 * @example
 * parseTimeZone('Asia/Shanghai'); // { kind: 'iana', name: 'Asia/Shanghai' }
 * parseTimeZone('-300'); // { kind: 'offset', minutes: -300 }
 */
export function parseTimeZone(value: string): TimeZone {
  if (/^[+-]?\d{1,4}$/.test(value)) {
    const minutes = Number(value);
    if (minutes < MIN_OFFSET_MINUTES || minutes > MAX_OFFSET_MINUTES) {
      throw new ServiceError('BAD_TZ', BAD_TZ_MESSAGE);
    }
    return { kind: 'offset', minutes: minutes === 0 ? 0 : minutes };
  }
  // Only the characters of tz database names, so nothing else reaches Intl (or a log) unchecked.
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(value)) {
    throw new ServiceError('BAD_TZ', BAD_TZ_MESSAGE);
  }
  try {
    return { kind: 'iana', name: formatter(value).resolvedOptions().timeZone };
  } catch {
    throw new ServiceError('BAD_TZ', `unknown time zone "${value}": ${BAD_TZ_MESSAGE}`);
  }
}

/** `Asia/Shanghai`, `UTC`, or `UTC+05:30` for a fixed offset: what the response echoes. */
export function timeZoneLabel(zone: TimeZone): string {
  if (zone.kind === 'iana') return zone.name;
  if (zone.minutes === 0) return 'UTC';
  const sign = zone.minutes < 0 ? '-' : '+';
  const abs = Math.abs(zone.minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The zone's offset from UTC at `instant`, in milliseconds (positive east of UTC). */
export function offsetAt(zone: TimeZone, instant: number): number {
  if (zone.kind === 'offset') return zone.minutes * 60_000;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone.name).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant local midnight began `daysBack` local days before the day containing `now`
 * (`daysBack = 0`: the start of today in that zone).
 */
export function startOfLocalDay(zone: TimeZone, now: number, daysBack: number): number {
  const localToday = Math.floor((now + offsetAt(zone, now)) / DAY_MS) * DAY_MS;
  const wall = localToday - daysBack * DAY_MS;
  // Two passes: the offset at the wall time read as UTC, then at the instant that gives.
  const guess = wall - offsetAt(zone, wall);
  return wall - offsetAt(zone, guess);
}

/**
 * The offsets in force from `from` to `until`: one span per constant offset, the first starting at
 * `from`. The last span's offset also applies after `until`.
 */
export function offsetSpans(zone: TimeZone, from: number, until: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [{ from, offsetMs: offsetAt(zone, from) }];
  if (zone.kind === 'offset') return spans;
  let t = from;
  while (t < until) {
    const next = Math.min(t + SCAN_STEP_MS, until);
    const current = spans[spans.length - 1]?.offsetMs;
    if (offsetAt(zone, next) !== current) {
      // Binary search for the first millisecond with the new offset.
      let low = t;
      let high = next;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetAt(zone, middle) === current) low = middle;
        else high = middle;
      }
      spans.push({ from: high, offsetMs: offsetAt(zone, high) });
    }
    t = next;
  }
  return spans;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string): Intl.DateTimeFormat {
  let format = formatters.get(name);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Bounded: only names Intl accepted get here, and the tz database has about 600 of them.
    if (formatters.size < 1000) formatters.set(name, format);
  }
  return format;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
