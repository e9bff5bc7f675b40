/**
 * @module pocketsphinx/engine — the default offline engine: Debian's pocketsphinx (en-US) through koffi.
 *
 * The libraries and model are probed once when the engine is created: if anything is missing the engine
 * still exists, `status()` says what to install and `createStream` rejects with `ENGINE_UNAVAILABLE` — the
 * server starts either way. Streams take decoders from a pool (`decoder-pool.ts`): the language model is
 * loaded once per lane and shared, decoders are created ahead at start and reset between streams, so a
 * stream starts without loading anything and memory per stream is the decoder's own search state.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../errors';
import { usableCores } from '../cpu-quota';
import type {
  CreateStreamControl,
  EngineStatus,
  SpeechEngine,
  SpeechStream,
  SpeechStreamListener,
  SpeechStreamOptions,
} from '../engine';
import { SpeechError } from '../errors';
import { buildDecoderArgs } from './decoder-args';
import { createDecoderPool, type DecoderPool, type PoolStats } from './decoder-pool';
import { loadPocketsphinx, type PocketsphinxNative } from './native';
import { type DecodeSample, PocketsphinxStream } from './stream';

/** Where Debian's `pocketsphinx-en-us` puts the model. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
/** The Debian packages that provide the libraries and the model. */
export const POCKETSPHINX_PACKAGES = 'libpocketsphinx3 pocketsphinx-en-us';

export interface PocketsphinxEngineOptions {
  /** Directory holding `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  readonly modelDir?: string;
  /** Override single model paths (absolute); each defaults to the file inside `modelDir`. */
  readonly acousticModel?: string;
  readonly languageModel?: string;
  readonly dictionary?: string;
  /** Library names or paths for dlopen; default the Debian sonames. */
  readonly libraries?: { readonly sphinxbase?: string; readonly pocketsphinx?: string };
  /** Minimum audio between partial-hypothesis lookups (default 200 ms); partials fire only on change. */
  readonly partialIntervalMs?: number;
  /**
   * Silence after speech before an utterance ends (default 400 ms; pocketsphinx's own is 500). Lower gives
   * faster finals but splits sentences at longer pauses. 400 brings the final's median to ~510 ms after the
   * end of speech at ten sessions on two cores (issue 13; 450 gave 581–618 ms, 500 ~611) with the same words
   * and utterances as 500 on the human-speech corpus and the flite sentences (decision 0047).
   */
  readonly vadPostSpeechMs?: number;
  /**
   * Extra decoder arguments, e.g. `{ '-vad_threshold': '3.0' }`; they win over the defaults (pocketsphinx's
   * own plus `-maxhmmpf 4000`: see `decoder-args`).
   */
  readonly decoderArgs?: Readonly<Record<string, string>>;
  /** Called after every decoded batch (metrics, the capacity benchmark). Keep it cheap. */
  readonly onDecode?: (sample: DecodeSample) => void;
  /**
   * Most streams (decoders) at once, default 8; one more is refused with `ENGINE_BUSY`. Meant to follow the
   * server-wide session cap.
   */
  readonly maxStreams?: number;
  /**
   * Words the decoders know: the language model's most probable ones (default 40,000; `Infinity` = every
   * word of the model the dictionary spells). Each decoder's memory grows with it; words left out are never
   * recognised.
   */
  readonly vocabularySize?: number;
  /** Decoders created at start and kept ready between streams (default `maxStreams`; 0 = on demand). */
  readonly warmDecoders?: number;
  /**
   * Copies of the language model (~33 MiB each), each decoding one stream at a time; default the whole
   * cores this process may use (cgroup quota, else CPUs), 1–4. Fewer lanes than cores leave cores idle;
   * more add memory and no throughput.
   */
  readonly lanes?: number;
}

/** The pocketsphinx engine: a `SpeechEngine` plus its pool's state and warm-up. */
export interface PocketsphinxEngine extends SpeechEngine {
  /** Resolves once the warm decoders exist (or warming failed: `createStream` reports why). */
  whenWarm(): Promise<void>;
  /** Creates decoders until `count` are ready and keeps that many between streams (capacity benchmark). */
  warm(count: number): Promise<void>;
  poolStats(): PoolStats;
}

const SAMPLE_RATE = 16_000;
const LANGUAGES = ['en-US'] as const;
const DEFAULT_MAX_STREAMS = 8;
/**
 * The model's 40,000 most probable words: ~25 MiB per decoder instead of ~39 MiB with all 72,547 it
 * knows (decision 0047); the bench's and the tests' sentences decode to the same words either way.
 */
const DEFAULT_VOCABULARY_SIZE = 40_000;
/**
 * Resident memory of one live stream: its decoder (~28 MiB with the shared model and the 40,000-word
 * vocabulary) plus what a live session adds (~4 MiB), measured by the server bench (decision 0047).
 */
const STREAM_MEMORY_BYTES = 32 * 2 ** 20;

/** See `PocketsphinxEngineOptions.vadPostSpeechMs`. */
const DEFAULT_VAD_POST_SPEECH_MS = 400;

/**
 * What one real-time pocketsphinx stream costs, for sizing the server before the engine exists: its
 * resident memory, and the share of a core it keeps busy (10.5–12.2 % measured by the server bench at N=1,
 * rounded up for the utterance-end search; decision 0047).
 */
export const POCKETSPHINX_STREAM_COST = { memoryBytes: STREAM_MEMORY_BYTES, cpuCores: 0.14 } as const;

function unavailable(message: string): EngineStatus {
  return { ready: false, code: 'ENGINE_UNAVAILABLE', message };
}

/**
 * Create the pocketsphinx engine. Never throws for a missing install: check `status()`.
 *
 * @example
 * const engine = createPocketsphinxEngine({ modelDir: process.env.POCKETSPHINX_MODEL_DIR, maxStreams: 10 });
 * if (!engine.status().ready) log.warn(engine.status());
 * const stream = await engine.createStream({ sampleRate: 16000 }, { onPartial, onFinal, onError });
 */
export function createPocketsphinxEngine(options: PocketsphinxEngineOptions = {}): PocketsphinxEngine {
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const model = {
    acousticModel: options.acousticModel ?? join(modelDir, 'en-us'),
    languageModel: options.languageModel ?? join(modelDir, 'en-us.lm.bin'),
    dictionary: options.dictionary ?? join(modelDir, 'cmudict-en-us.dict'),
  };
  const vadPostSpeechMs = options.vadPostSpeechMs ?? DEFAULT_VAD_POST_SPEECH_MS;
  const decoderArgs = buildDecoderArgs(model, {
    sampleRate: SAMPLE_RATE,
    vadPostSpeechMs,
    ...(options.decoderArgs ? { overrides: options.decoderArgs } : {}),
  });
  const maxStreams = Math.max(1, Math.floor(options.maxStreams ?? DEFAULT_MAX_STREAMS));

  let native: PocketsphinxNative | undefined;
  let status: EngineStatus = { ready: true };
  try {
    native = loadPocketsphinx({
      sphinxbase: options.libraries?.sphinxbase ?? 'libsphinxbase.so.3',
      pocketsphinx: options.libraries?.pocketsphinx ?? 'libpocketsphinx.so.3',
    });
  } catch (error) {
    const reason = errorMessage(error);
    status = unavailable(
      `pocketsphinx libraries cannot be loaded (${reason}). Install them: apt-get install ${POCKETSPHINX_PACKAGES}`,
    );
  }
  if (native) {
    const missing = [
      join(model.acousticModel, 'mdef'),
      decoderArgs.languageModel,
      decoderArgs.dictionary,
    ].filter((path) => !existsSync(path));
    if (missing.length > 0) {
      status = unavailable(
        `pocketsphinx model files are missing (${missing.join(', ')}). Install them: apt-get install ` +
          `${POCKETSPHINX_PACKAGES}, or point the model directory at an en-US model.`,
      );
    }
  }

  const streams = new Set<PocketsphinxStream>();
  let closed = false;
  let pool: DecoderPool | undefined;
  let warming: Promise<void> = Promise.resolve();
  if (native && status.ready) {
    pool = createDecoderPool(native, decoderArgs, {
      poolSize: maxStreams,
      warmDecoders: options.warmDecoders ?? maxStreams,
      // One lane per whole core the process may use (its cgroup quota on Cloud Hosting), at least one.
      lanes: options.lanes ?? Math.min(4, Math.max(1, Math.floor(usableCores()))),
      vocabularySize: options.vocabularySize ?? DEFAULT_VOCABULARY_SIZE,
    });
    // Off the request path: the first `start` finds decoders ready. A failure shows at `createStream`.
    warming = pool.warm().catch(() => undefined);
  }

  return {
    name: 'pocketsphinx',
    languages: LANGUAGES,
    streamMemoryBytes: POCKETSPHINX_STREAM_COST.memoryBytes,
    streamCpuCores: POCKETSPHINX_STREAM_COST.cpuCores,
    status: () => (closed ? unavailable('The pocketsphinx engine is closed.') : status),
    whenWarm: () => warming,
    async warm(count) {
      await warming;
      await pool?.warm(count);
    },
    poolStats: () => pool?.stats() ?? { live: 0, idle: 0, lanes: 0, reusing: false },

    async createStream(
      streamOptions: SpeechStreamOptions,
      listener: SpeechStreamListener,
      control?: CreateStreamControl,
    ): Promise<SpeechStream> {
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      if (!pool || !status.ready) {
        throw new SpeechError(
          'ENGINE_UNAVAILABLE',
          status.ready ? 'pocketsphinx is unavailable.' : status.message,
        );
      }
      if (streamOptions.sampleRate !== SAMPLE_RATE) {
        throw new SpeechError(
          'UNSUPPORTED_SAMPLE_RATE',
          `pocketsphinx takes 16000 Hz audio, not ${streamOptions.sampleRate} Hz.`,
        );
      }
      const language = streamOptions.language;
      if (language !== undefined && !/^en(-us)?$/i.test(language)) {
        throw new SpeechError(
          'UNSUPPORTED_LANGUAGE',
          `pocketsphinx recognises en-US only, not "${language}".`,
        );
      }
      const decoders = pool;
      // An upload's whole-utterance pass gives other words on a reset decoder than on a fresh one
      // (22.8% against 32.6% WER on the human-speech corpus): uploads take a fresh decoder, used once.
      const fresh = streamOptions.purpose === 'file';
      const lent = await decoders.acquire(control?.signal, { fresh });
      if (closed) {
        await decoders.release(lent, { reusable: false, inUtterance: true });
        throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      }
      const stream: PocketsphinxStream = new PocketsphinxStream(
        lent.native,
        lent.decoder,
        listener,
        {
          sampleRate: SAMPLE_RATE,
          partialIntervalMs: options.partialIntervalMs ?? 200,
          vadPostSpeechMs,
          // An upload: finals from each utterance decoded as a whole (decision 0052).
          wholeUtterances: streamOptions.purpose === 'file',
          onDecode: options.onDecode,
        },
        async (state) => {
          streams.delete(stream);
          await decoders.release(lent, fresh ? { ...state, reusable: false } : state);
        },
      );
      streams.add(stream);
      return stream;
    },

    async close() {
      closed = true;
      await Promise.all([...streams].map((stream) => stream.close()));
      // Stops the warm-up after the decoder it is creating, then frees every decoder and the models.
      await pool?.close();
      await warming;
    },
  };
}
