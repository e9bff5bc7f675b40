import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from min and caps at max without jitter', () => {
    const b = new Backoff({ min: 100, max: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.duration())).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(b.attempts).toBe(6);
    b.reset();
    expect(b.duration()).toBe(100);
  });

  it('spreads each delay by ± jitter and never exceeds max', () => {
    const low = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({ min: 1000, max: 5000, jitter: 0.5, random: () => 0.999999 });
    expect(low.duration()).toBe(500);
    expect(high.duration()).toBe(1499);
    const capped = new Backoff({ min: 4000, max: 5000, jitter: 0.5, random: () => 0.999999 });
    capped.duration();
    expect(capped.duration()).toBe(5000);
  });

  it('stays finite after very many attempts', () => {
    const b = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
    for (let i = 0; i < 2000; i++) {
      const d = b.duration();
      expect(Number.isFinite(d) && d >= 0 && d <= 5000).toBe(true);
    }
  });

  it('clamps odd options', () => {
    const b = new Backoff({ min: -5, max: 10, jitter: 7, random: () => 0 });
    expect(b.duration()).toBe(0);
  });
});
