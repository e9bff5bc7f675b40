import { describe, expect, it } from 'vitest';
import { formatDuration, formatTime } from './format';

describe('formatDuration', () => {
  it('shows seconds to a tenth under a minute', () => {
    expect(formatDuration(0)).toBe('0 秒');
    expect(formatDuration(12.34)).toBe('12.3 秒');
    expect(formatDuration(59.94)).toBe('59.9 秒');
  });

  it('never shows 60 of a smaller unit: values that round up carry into the next one', () => {
    expect(formatDuration(59.96)).toBe('1 分 0 秒');
    expect(formatDuration(119.6)).toBe('2 分 0 秒');
    expect(formatDuration(3599.6)).toBe('1 小时 0 分');
  });

  it('shows minutes and seconds, then hours and minutes', () => {
    expect(formatDuration(65)).toBe('1 分 5 秒');
    expect(formatDuration(61.4)).toBe('1 分 1 秒');
    expect(formatDuration(3600 * 2 + 60 * 7 + 30)).toBe('2 小时 7 分');
  });
});

describe('formatTime', () => {
  it('formats a date as MM-DD HH:mm in local time', () => {
    const date = new Date(2026, 0, 5, 9, 7);
    expect(formatTime(date.toISOString())).toBe('01-05 09:07');
  });

  it('returns what it was given when that is not a date', () => {
    expect(formatTime('not a date')).toBe('not a date');
  });
});
