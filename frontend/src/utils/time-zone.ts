/**
 * @module time-zone — the device's time zone as `GET /api/stats?tz=` takes it, so per-day stats are the
 * same local days the history shows. An IANA name when the runtime knows one (browsers, newer mini-program
 * base libraries); otherwise the current UTC offset in minutes east of UTC (some mini-program runtimes
 * ship `Intl` without time zone data, or no `Intl` at all). The offset fallback is exact except across a
 * DST change inside the window, which mainland China does not have.
 */

/** What the runtime offers; injectable for tests. */
export interface TimeZoneSource {
  /** The runtime's zone name (default: `Intl`'s); may throw or return nothing. */
  readonly zoneName?: () => string | undefined;
  readonly now?: () => Date;
}

function intlZoneName(): string | undefined {
  return typeof Intl === 'undefined' ? undefined : Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * @example
 * fetchStats(request, 30, localTimeZone()); // 'Asia/Shanghai', or '480' where Intl has no zones
 */
export function localTimeZone({
  zoneName = intlZoneName,
  now = () => new Date(),
}: TimeZoneSource = {}): string {
  try {
    const name = zoneName();
    // Some runtimes answer "" or a placeholder; only tz database names are sent as names.
    if (typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return name;
  } catch {
    // Intl present but without time zone support: fall back to the offset.
  }
  // getTimezoneOffset is minutes *behind* UTC (Shanghai: -480); the API takes minutes east of UTC.
  const east = -now().getTimezoneOffset();
  return String(east === 0 ? 0 : east);
}
