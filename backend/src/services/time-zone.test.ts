import { describe, expect, it } from 'vitest';
import { ServiceError } from './errors';
import { offsetAt, offsetSpans, parseTimeZone, startOfLocalDay, timeZoneLabel } from './time-zone';

const HOUR = 3_600_000;

describe('parseTimeZone', () => {
  it('accepts IANA names (canonical spelling) and offsets in minutes east of UTC', () => {
    expect(parseTimeZone('Asia/Shanghai')).toEqual({ kind: 'iana', name: 'Asia/Shanghai' });
    expect(parseTimeZone('asia/shanghai')).toEqual({ kind: 'iana', name: 'Asia/Shanghai' });
    expect(parseTimeZone('UTC')).toEqual({ kind: 'iana', name: 'UTC' });
    expect(parseTimeZone('480')).toEqual({ kind: 'offset', minutes: 480 });
    expect(parseTimeZone('+330')).toEqual({ kind: 'offset', minutes: 330 });
    expect(parseTimeZone('-300')).toEqual({ kind: 'offset', minutes: -300 });
    expect(parseTimeZone('-0')).toEqual({ kind: 'offset', minutes: 0 });
    expect(parseTimeZone('-720')).toEqual({ kind: 'offset', minutes: -720 });
    expect(parseTimeZone('840')).toEqual({ kind: 'offset', minutes: 840 });
  });

  it.each([
    '',
    'Mars/Olympus_Mons',
    'Asia/Shanghai; drop table',
    '841',
    '-721',
    '8.5',
    '+08:00',
    'x'.repeat(65),
  ])('refuses %j with BAD_TZ and a message saying what is accepted', (value) => {
    const error = (() => {
      try {
        parseTimeZone(value);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ kind: 'invalid', code: 'BAD_TZ' });
    expect((error as Error).message).toMatch(/IANA time zone name.*minutes east of UTC/);
  });
});

describe('offsets and local days', () => {
  const newYork = parseTimeZone('America/New_York');
  // 2026: EDT from 2026-03-08 07:00 UTC, EST again from 2026-11-01 06:00 UTC.
  const dstStart = Date.UTC(2026, 2, 8, 7);
  const dstEnd = Date.UTC(2026, 10, 1, 6);

  it('reads the offset in force at an instant', () => {
    expect(offsetAt(parseTimeZone('Asia/Shanghai'), Date.UTC(2026, 5, 1))).toBe(8 * HOUR);
    expect(offsetAt(parseTimeZone('Asia/Kolkata'), Date.UTC(2026, 5, 1, 12, 0, 0, 999))).toBe(5.5 * HOUR);
    expect(offsetAt(newYork, dstStart - 1)).toBe(-5 * HOUR);
    expect(offsetAt(newYork, dstStart)).toBe(-4 * HOUR);
    expect(offsetAt(parseTimeZone('-90'), 0)).toBe(-1.5 * HOUR);
  });

  it('finds each transition in a window to the millisecond', () => {
    const from = Date.UTC(2026, 0, 1, 5);
    expect(offsetSpans(newYork, from, Date.UTC(2026, 11, 31))).toEqual([
      { from, offsetMs: -5 * HOUR },
      { from: dstStart, offsetMs: -4 * HOUR },
      { from: dstEnd, offsetMs: -5 * HOUR },
    ]);
    expect(offsetSpans(parseTimeZone('Asia/Shanghai'), from, from + 366 * 24 * HOUR)).toEqual([
      { from, offsetMs: 8 * HOUR },
    ]);
  });

  it('starts the window at local midnight, also across a DST change', () => {
    const shanghai = parseTimeZone('Asia/Shanghai');
    // 2026-06-01 20:00 UTC is already 2 June 04:00 in Shanghai.
    const now = Date.UTC(2026, 5, 1, 20);
    expect(startOfLocalDay(shanghai, now, 0)).toBe(Date.UTC(2026, 5, 1, 16));
    expect(startOfLocalDay(shanghai, now, 1)).toBe(Date.UTC(2026, 4, 31, 16));
    expect(startOfLocalDay(parseTimeZone('0'), now, 0)).toBe(Date.UTC(2026, 5, 1));
    // Two days after DST began in New York: local midnight of 7 March was still EST (05:00 UTC).
    const afterDst = Date.UTC(2026, 2, 9, 12);
    expect(startOfLocalDay(newYork, afterDst, 0)).toBe(Date.UTC(2026, 2, 9, 4));
    expect(startOfLocalDay(newYork, afterDst, 2)).toBe(Date.UTC(2026, 2, 7, 5));
  });

  it('labels zones as the response echoes them', () => {
    expect(timeZoneLabel(parseTimeZone('Asia/Shanghai'))).toBe('Asia/Shanghai');
    expect(timeZoneLabel(parseTimeZone('0'))).toBe('UTC');
    expect(timeZoneLabel(parseTimeZone('330'))).toBe('UTC+05:30');
    expect(timeZoneLabel(parseTimeZone('-570'))).toBe('UTC-09:30');
  });
});
