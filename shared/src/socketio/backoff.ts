/**
 * @module backoff — exponential reconnection delays with randomization (jitter).
 *
 * Jitter spreads the reconnections of many clients after a server restart so they do not all arrive at
 * the same instant.
 */

/** Options of {@link Backoff}; same meaning as socket.io-client's reconnection options. */
export interface BackoffOptions {
  /** First delay in ms (`reconnectionDelay`). */
  readonly min: number;
  /** Largest delay in ms (`reconnectionDelayMax`). */
  readonly max: number;
  /** 0 ≤ jitter ≤ 1: each delay varies by up to ± this fraction (`randomizationFactor`). */
  readonly jitter: number;
  /** Growth per attempt; 2 as in socket.io-client. */
  readonly factor?: number;
  /** Random source in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

/**
 * Computes successive delays: min · factor^attempt, ± jitter, capped at max.
 *
 * @example
 * const backoff = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
 * backoff.duration(); // 500..1500
 */
export class Backoff {
  /** Number of delays handed out since the last reset. */
  attempts = 0;
  private readonly _opts: BackoffOptions;

  constructor(opts: BackoffOptions) {
    this._opts = opts;
  }

  /** The next delay in ms. */
  duration(): number {
    const { min, max, jitter, factor = 2, random = Math.random } = this._opts;
    // Cap the exponent's effect early so huge attempt counts never reach Infinity/NaN. A negative min
    // (or jitter outside 0..1) is clamped.
    let ms = Math.min(Math.max(min, 0) * factor ** Math.min(this.attempts++, 64), max);
    const spread = Math.min(jitter, 1);
    if (spread > 0) ms += (random() * 2 - 1) * spread * ms;
    return Math.max(0, Math.floor(Math.min(ms, max)));
  }

  /** Starts over from `min` (after a successful connection or a lifecycle event). */
  reset(): void {
    this.attempts = 0;
  }
}
