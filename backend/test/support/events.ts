/**
 * @module events — await events instead of sleeping, always with a deadline so a missing event fails
 * the test with a message rather than hanging it.
 */

interface Listenable {
  once(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the first argument of the next `event`. */
export function nextEvent<T = unknown>(emitter: Listenable, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener as (...args: never[]) => void);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.once(event, listener as (...args: never[]) => void);
  });
}

/** Polls `predicate` until it holds (bounded). For state with no event to await. */
export async function until(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
