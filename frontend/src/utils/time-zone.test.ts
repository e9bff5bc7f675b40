import { describe, expect, it } from 'vitest';
import { localTimeZone } from './time-zone';

/** A Date whose getTimezoneOffset answers like a device in the given zone (minutes behind UTC). */
function dateBehindUtc(minutes: number): Date {
  const date = new Date(Date.UTC(2026, 5, 1));
  date.getTimezoneOffset = () => minutes;
  return date;
}

describe('localTimeZone', () => {
  it("sends the runtime's IANA name when it has one", () => {
    expect(localTimeZone({ zoneName: () => 'Asia/Shanghai' })).toBe('Asia/Shanghai');
    expect(localTimeZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it('falls back to minutes east of UTC where Intl has no zones, is broken or answers junk', () => {
    const now = () => dateBehindUtc(-480);
    expect(localTimeZone({ zoneName: () => undefined, now })).toBe('480');
    expect(localTimeZone({ zoneName: () => '', now })).toBe('480');
    expect(localTimeZone({ zoneName: () => '+08:00', now })).toBe('480');
    expect(
      localTimeZone({
        zoneName: () => {
          throw new RangeError('Unsupported time zone');
        },
        now,
      }),
    ).toBe('480');
    expect(localTimeZone({ zoneName: () => undefined, now: () => dateBehindUtc(300) })).toBe('-300');
    expect(localTimeZone({ zoneName: () => undefined, now: () => dateBehindUtc(0) })).toBe('0');
  });
});
