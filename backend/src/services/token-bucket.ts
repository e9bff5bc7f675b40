/**
 * @module token-bucket — a rate bound: `capacity` units at once, refilled at `perSecond` units a second.
 * Used for a socket's events and its audio bytes (relative to real time).
 */

export interface TokenBucket {
  /** Takes `units` when there are enough and says whether it did (nothing is taken otherwise). */
  take(units?: number): boolean;
}

export interface TokenBucketOptions {
  readonly capacity: number;
  readonly perSecond: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/**
 * @example
 * const events = createTokenBucket({ capacity: 200, perSecond: 100 });
 * if (!events.take()) refuse('RATE_LIMITED');
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const now = options.now ?? performance.now.bind(performance);
  let tokens = options.capacity;
  let at = now();
  return {
    take(units = 1) {
      const t = now();
      tokens = Math.min(options.capacity, tokens + ((t - at) / 1000) * options.perSecond);
      at = t;
      if (tokens < units) return false;
      tokens -= units;
      return true;
    },
  };
}
