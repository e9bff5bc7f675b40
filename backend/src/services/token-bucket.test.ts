import { describe, expect, it } from 'vitest';
import { createTokenBucket } from './token-bucket';

describe('createTokenBucket', () => {
  it('allows a burst of its capacity, then refills at its rate', () => {
    let t = 0;
    const bucket = createTokenBucket({ capacity: 3, perSecond: 2, now: () => t });
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    t = 500; // one token back
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    t = 60_000; // never more than the capacity
    expect(bucket.take(3)).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('takes nothing when a request is bigger than what is left', () => {
    let t = 0;
    const bucket = createTokenBucket({ capacity: 10, perSecond: 1, now: () => t });
    expect(bucket.take(11)).toBe(false);
    expect(bucket.take(10)).toBe(true);
    t = 1000;
    expect(bucket.take(2)).toBe(false);
    expect(bucket.take(1)).toBe(true);
  });
});
