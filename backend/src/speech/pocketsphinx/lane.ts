/**
 * @module lane — a serial queue of native calls, and the decoders that share one language model.
 *
 * An n-gram model is shared by reference between decoders, but sphinxbase's trie model keeps a scratch
 * cache of the last history it scored (`lm_trie_t.hist_cache`/`backoff_cache`), written during scoring:
 * two threads scoring one model at once would read each other's half-written cache. So each lane owns one
 * model copy and runs its decoders' native calls one at a time; lanes run in parallel (one per core).
 */

import type { DecoderHandle, LanguageModelHandle, PocketsphinxNative } from './native';

/** Runs async tasks one after another, in call order. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async drained(): Promise<void> {
    await this.tail;
  }
}

/** One language model copy and the serial queue its decoders' native calls go through. */
export interface Lane {
  readonly index: number;
  readonly model: LanguageModelHandle;
  readonly queue: SerialQueue;
  /** Live and idle decoders assigned to this lane. */
  decoders: number;
}

/**
 * The native calls a stream makes, each queued on its decoder's lane.
 *
 * @example
 * const stream = new PocketsphinxStream(laneNative(native, lane), decoder, …);
 */
export function laneNative(native: PocketsphinxNative, lane: Lane): PocketsphinxNative {
  const q = lane.queue;
  return {
    ...native,
    startUtt: (ps: DecoderHandle) => q.run(() => native.startUtt(ps)),
    processRaw: (ps, samples) => q.run(() => native.processRaw(ps, samples)),
    getHyp: (ps) => q.run(() => native.getHyp(ps)),
    endUtt: (ps) => q.run(() => native.endUtt(ps)),
  };
}
