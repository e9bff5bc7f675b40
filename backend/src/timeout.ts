/**
 * @module timeout — the one race of some work against a timer, for waits that must stay bounded (health
 * checks, shutdown steps). The work is not cancelled: it goes on in the background; only the wait ends.
 */

/** The wait ran out before the work settled. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Settles as `work` does if it settles within `ms`; otherwise rejects with a {@link TimeoutError}
 * (`no answer within <ms> ms`). The timer is cleared either way, so it never holds the process open.
 *
 * @example
 * await withTimeout(repository.ping(), 2_000);
 */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * True when `work` settled (fulfilled or rejected) within `ms`, false when the wait ran out.
 *
 * @example
 * if (!(await settlesWithin(sessions.closeAll(), 5_000))) logger.warn('shutdown.overrun');
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return withTimeout(
    work.then(
      () => true,
      () => true,
    ),
    ms,
  ).catch(() => false);
}
