/**
 * @module decoder-pool — ready pocketsphinx decoders, reused across streams, over shared language models.
 *
 * Loading a decoder takes ~0.3 s and most of its memory was the n-gram model (~33 MiB) and the full
 * dictionary; here the model is read once per lane and shared by reference (`ps_set_lm`), the dictionary
 * is narrowed to the model's words, and decoders are created ahead (`warmDecoders`) and kept for the next
 * stream, so a `start` takes a decoder instead of loading one. A reused decoder is reset to a fresh one's
 * state: `ps_start_stream` (noise and voice-activity state) and the cepstral mean a fresh decoder starts
 * from (`-cmninit`) — without the mean, 3 of 10 flite sentences came out different from a fresh decoder's;
 * with both, 0 of 10. At most `poolSize` decoders exist; a stream beyond that is refused (`ENGINE_BUSY`).
 * `ps_init` runs one at a time (concurrent inits deadlocked or crashed this library).
 */

import { abortedError, SpeechError } from '../errors';
import { type DecoderArgs, withArg } from './decoder-args';
import { type Lane, laneNative, SerialQueue } from './lane';
import type { DecoderHandle, LanguageModelHandle, PocketsphinxNative } from './native';
import { writeNarrowedDictionary } from './vocabulary';

export interface DecoderPoolOptions {
  /** Most decoders alive at once (live + idle); a stream beyond it is refused with `ENGINE_BUSY`. */
  readonly poolSize: number;
  /** Decoders created ahead and kept idle between streams (≤ `poolSize`). */
  readonly warmDecoders: number;
  /** Language-model copies, each decoding one stream at a time (one per core is enough). */
  readonly lanes: number;
  /** Narrow the dictionary to the model's vocabulary (default true; no hypothesis changes). */
  readonly narrowDictionary?: boolean;
  /** Keep only this many words, the model's most probable (default: all it knows). */
  readonly vocabularySize?: number;
}

export interface AcquireOptions {
  /**
   * A decoder never used before (an upload: its whole-utterance pass gives other words on a reset decoder
   * than on a fresh one — decision 0052). Release it with `reusable: false`.
   */
  readonly fresh?: boolean;
}

/** A decoder lent to a stream, with the lane its native calls must go through. */
export interface PooledDecoder {
  readonly decoder: DecoderHandle;
  readonly lane: Lane;
  /** The native calls, queued on the decoder's lane. */
  readonly native: PocketsphinxNative;
}

/** How a stream left its decoder. */
export interface ReleaseState {
  /** false after a native failure: the decoder's state is unknown, so it is freed, not reused. */
  readonly reusable: boolean;
  /** An utterance was started and not ended (the stream was closed mid-speech). */
  readonly inUtterance: boolean;
}

export interface PoolStats {
  readonly live: number;
  readonly idle: number;
  readonly lanes: number;
  /** Whether released decoders are reset and kept (false if the library's layout is unknown). */
  readonly reusing: boolean;
}

const LM_NAME = 'lm';
const TRIM_DELAY_MS = 500;

/**
 * @example
 * const pool = createDecoderPool(native, decoderArgs, { poolSize: 10, warmDecoders: 10, lanes: 2 });
 * const lent = await pool.acquire();
 * …
 * await pool.release(lent, { reusable: true, inUtterance: false });
 */
export function createDecoderPool(
  native: PocketsphinxNative,
  decoderArgs: DecoderArgs,
  options: DecoderPoolOptions,
) {
  const poolSize = Math.max(1, Math.floor(options.poolSize));
  /** How many idle decoders are kept; `warm(count)` may raise it. */
  let keepIdle = Math.max(0, Math.min(poolSize, Math.floor(options.warmDecoders)));
  const laneCount = Math.max(1, Math.floor(options.lanes));
  const inits = new SerialQueue();
  const idle: PooledDecoder[] = [];
  const liveByLane = new Map<Lane, number>();
  let live = 0;
  let closed = false;
  let prepared: Promise<Prepared> | undefined;
  let cepstralMean: Float32Array | null | undefined;
  let trimTimer: NodeJS.Timeout | undefined;
  let trimming: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;

  interface Prepared {
    readonly lanes: Lane[];
    readonly args: ReadonlyArray<readonly [string, string]>;
    readonly removeDictionary: () => Promise<void>;
  }

  async function initDecoder(args: ReadonlyArray<readonly [string, string]>): Promise<DecoderHandle> {
    const config = native.createConfig(args);
    if (!config) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx rejected its decoder arguments.');
    try {
      const decoder = await native.init(config);
      if (!decoder) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx could not load its model.');
      return decoder;
    } finally {
      // The decoder holds its own reference to the configuration.
      native.freeConfig(config);
    }
  }

  /** Reads the model once per lane and narrows the dictionary, with a throwaway decoder's log-math. */
  async function prepare(): Promise<Prepared> {
    const bootstrap = await initDecoder(decoderArgs.args);
    const models: LanguageModelHandle[] = [];
    try {
      for (let i = 0; i < laneCount; i++) {
        const model = await native.readLanguageModel(bootstrap, decoderArgs.languageModel);
        if (!model) {
          throw new SpeechError(
            'ENGINE_FAILED',
            `pocketsphinx could not read its language model ${decoderArgs.languageModel}.`,
          );
        }
        models.push(model);
      }
    } catch (error) {
      for (const model of models) native.freeLanguageModel(model);
      throw error;
    } finally {
      await native.free(bootstrap);
      // The bootstrap decoder held the full dictionary: give its pages back before the pool fills.
      await native.trimHeap();
    }
    let args = decoderArgs.args;
    let removeDictionary = async () => {};
    if (options.narrowDictionary !== false) {
      const first = models[0]!;
      const narrowed = await writeNarrowedDictionary(
        decoderArgs.dictionary,
        (word) => native.unigramLogProb(first, word),
        options.vocabularySize,
      );
      if (narrowed.kept > 0) {
        args = withArg(args, '-dict', narrowed.path);
        removeDictionary = narrowed.remove;
      } else await narrowed.remove();
    }
    const lanes = models.map(
      (model, index): Lane => ({ index, model, queue: new SerialQueue(), decoders: 0 }),
    );
    for (const lane of lanes) liveByLane.set(lane, 0);
    return { lanes, args, removeDictionary };
  }

  /**
   * A new decoder on the lane with the fewest, searching that lane's model; one init at a time. A start
   * abandoned while it waited for its turn creates nothing.
   */
  function createDecoder(signal?: AbortSignal): Promise<PooledDecoder> {
    return inits.run(async () => {
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      throwIfAborted(signal);
      prepared ??= prepare();
      const { lanes, args } = await prepared;
      const lane = lanes.reduce((a, b) => (b.decoders < a.decoders ? b : a));
      const decoder = await initDecoder(args);
      lane.decoders++;
      const entry: PooledDecoder = { decoder, lane, native: laneNative(native, lane) };
      try {
        if ((await lane.queue.run(() => native.useLanguageModel(decoder, LM_NAME, lane.model))) < 0) {
          throw new SpeechError('ENGINE_FAILED', 'pocketsphinx could not search its language model.');
        }
        if (cepstralMean === undefined) {
          try {
            cepstralMean = native.getCepstralMean(decoder);
          } catch {
            // Unknown library layout: decoders are used once and freed, as before pooling.
            cepstralMean = null;
          }
        }
      } catch (error) {
        await destroy(entry);
        throw error;
      }
      return entry;
    });
  }

  async function destroy(entry: PooledDecoder): Promise<void> {
    await entry.lane.queue.run(() => native.free(entry.decoder));
    entry.lane.decoders--;
    scheduleTrim();
  }

  /** Gives freed heap back to the system a little after the last release of a burst. */
  function scheduleTrim(): void {
    clearTimeout(trimTimer);
    trimTimer = setTimeout(() => {
      trimming = trimming.then(() => native.trimHeap()).catch(() => undefined);
    }, TRIM_DELAY_MS);
    trimTimer.unref();
  }

  /** Creates idle decoders until `keepIdle` are, within `poolSize`. */
  async function fill(): Promise<void> {
    while (!closed && idle.length < keepIdle && live + idle.length < poolSize) {
      const entry = await createDecoder();
      if (keepable()) idle.push(entry);
      else {
        await destroy(entry);
        return;
      }
    }
  }

  let refilling: Promise<void> | undefined;
  /** Refills the warm set off the request path, one refill at a time. */
  function refill(): void {
    refilling ??= fill()
      .catch(() => undefined)
      .finally(() => {
        refilling = undefined;
      });
  }

  function takeIdle(): PooledDecoder | undefined {
    if (idle.length === 0) return undefined;
    // Spread live streams over the lanes: take an idle decoder from the least busy lane.
    let best = 0;
    for (let i = 1; i < idle.length; i++) {
      if ((liveByLane.get(idle[i]!.lane) ?? 0) < (liveByLane.get(idle[best]!.lane) ?? 0)) best = i;
    }
    return idle.splice(best, 1)[0];
  }

  /** Puts a decoder where a fresh one starts: new audio stream, initial cepstral mean, an utterance begun. */
  async function ready(entry: PooledDecoder, reused: boolean): Promise<void> {
    const { decoder, lane } = entry;
    const started = await lane.queue.run(async () => {
      if (reused) {
        if ((await native.startStream(decoder)) < 0) return -1;
        native.setCepstralMean(decoder, cepstralMean!);
      }
      return native.startUtt(decoder);
    });
    if (started < 0) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to start an utterance.');
  }

  function keepable(): boolean {
    return !closed && cepstralMean !== null && idle.length < keepIdle;
  }

  return {
    /**
     * A decoder ready for a new stream (an utterance started). Refused with `ENGINE_BUSY` when `poolSize`
     * decoders are lent; rejects with `ABORTED` (creating nothing) when the signal aborts first.
     */
    async acquire(signal?: AbortSignal, how: AcquireOptions = {}): Promise<PooledDecoder> {
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      throwIfAborted(signal);
      if (live >= poolSize) {
        throw new SpeechError(
          'ENGINE_BUSY',
          `pocketsphinx is decoding ${poolSize} streams, as many as it is allowed; try again shortly.`,
        );
      }
      live++;
      let entry: PooledDecoder | undefined;
      try {
        if (how.fresh) {
          // Still at most `poolSize` decoders alive: a fresh one replaces an idle one when they would not fit.
          const spare = live + idle.length > poolSize ? takeIdle() : undefined;
          if (spare) await destroy(spare);
        } else entry = takeIdle();
        const reused = entry !== undefined;
        if (!entry) {
          entry = await createDecoder(signal);
          throwIfAborted(signal);
        }
        liveByLane.set(entry.lane, (liveByLane.get(entry.lane) ?? 0) + 1);
        try {
          await ready(entry, reused);
        } catch (error) {
          liveByLane.set(entry.lane, (liveByLane.get(entry.lane) ?? 1) - 1);
          const failed = entry;
          entry = undefined;
          await destroy(failed);
          throw error;
        }
        return entry;
      } catch (error) {
        live--;
        // A decoder made for a start that was abandoned meanwhile serves the next one.
        if (entry) {
          if (keepable()) idle.push(entry);
          else await destroy(entry);
        }
        throw error;
      }
    },

    /** Takes a decoder back: reset and kept idle when possible, else freed. */
    async release(entry: PooledDecoder, state: ReleaseState): Promise<void> {
      live--;
      liveByLane.set(entry.lane, (liveByLane.get(entry.lane) ?? 1) - 1);
      let keep = state.reusable && keepable();
      if (keep && state.inUtterance) {
        keep = (await entry.lane.queue.run(() => native.endUtt(entry.decoder))) >= 0 && keepable();
      }
      if (keep) idle.push(entry);
      else {
        await destroy(entry);
        // A decoder used once (an upload's) or broken leaves a gap in the warm set: refill it off the path.
        if (!closed && !state.reusable) refill();
      }
      if (live === 0) scheduleTrim();
    },

    /**
     * Creates decoders until `count` (default `warmDecoders`, at most `poolSize`) are idle, and keeps that
     * many from now on; resolves when done.
     */
    async warm(count = keepIdle): Promise<void> {
      keepIdle = Math.max(keepIdle, Math.min(poolSize, Math.floor(count)));
      await fill();
    },

    stats(): PoolStats {
      return { live, idle: idle.length, lanes: laneCount, reusing: cepstralMean !== null };
    },

    /**
     * Frees idle decoders and the models (once: a second call waits for the first); streams still lent
     * must be closed by the engine first.
     */
    close(): Promise<void> {
      closing ??= shutDown();
      return closing;
    },
  };

  async function shutDown(): Promise<void> {
    closed = true;
    // A refill in progress sees `closed` and frees what it made.
    await refilling;
    await inits.drained();
    await Promise.all(idle.splice(0).map((entry) => destroy(entry)));
    clearTimeout(trimTimer);
    const ready = prepared ? await prepared.catch(() => undefined) : undefined;
    if (ready) {
      for (const lane of ready.lanes) {
        await lane.queue.drained();
        native.freeLanguageModel(lane.model);
      }
      await ready.removeDictionary();
    }
    await trimming;
    await native.trimHeap().catch(() => undefined);
  }
}

export type DecoderPool = ReturnType<typeof createDecoderPool>;

/**
 * The engine interface's `ABORTED` once `signal` aborted. Reads `.aborted` rather than calling
 * `throwIfAborted()`: the compiled mini-program tests run the server inside jsdom, whose AbortSignal lacks it.
 */
function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}
