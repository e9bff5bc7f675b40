import { describe, expect, it } from 'vitest';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, historyLimit } from './history';

describe('historyLimit (the one check of a history page size)', () => {
  it('takes whole numbers from 1 to the maximum, as numbers or as digits, and defaults when absent', () => {
    expect(historyLimit(undefined)).toBe(HISTORY_DEFAULT_LIMIT);
    expect(historyLimit(1)).toBe(1);
    expect(historyLimit(String(HISTORY_MAX_LIMIT))).toBe(HISTORY_MAX_LIMIT);
    expect(historyLimit('007')).toBe(7);
  });

  it('refuses anything else with BAD_LIMIT, converting no other notation', () => {
    const numbers = [0, 101, 1.5, Number.NaN];
    const texts = ['0', '101', 'ten', '-1', '1.5', '1e1', '0x10', ' 5', '', '5,6'];
    for (const value of [...numbers, ...texts]) {
      expect(() => historyLimit(value), String(value)).toThrow(
        expect.objectContaining({ code: 'BAD_LIMIT', message: 'limit must be a whole number from 1 to 100' }),
      );
    }
  });
});
