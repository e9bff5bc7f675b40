import { afterEach, describe, expect, it, vi } from 'vitest';
import { settlesWithin, TimeoutError, withTimeout } from './timeout';

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('passes the work through when it settles in time, and clears its timer', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve(7), 1_000)).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('down')), 1_000)).rejects.toThrow('down');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError naming the limit when the work is slower', async () => {
    vi.useFakeTimers();
    const waiting = withTimeout(new Promise<never>(() => {}), 250);
    const failed = expect(waiting).rejects.toThrow(new TimeoutError('no answer within 250 ms'));
    await vi.advanceTimersByTimeAsync(250);
    await failed;
    await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('settlesWithin', () => {
  it('is true when the work fulfils or rejects in time, false when the wait runs out', async () => {
    vi.useFakeTimers();
    await expect(settlesWithin(Promise.resolve(), 100)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('failed')), 100)).resolves.toBe(true);
    const slow = settlesWithin(new Promise<never>(() => {}), 100);
    await vi.advanceTimersByTimeAsync(100);
    await expect(slow).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
