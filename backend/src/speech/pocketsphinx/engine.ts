/**
 * @module pocketsphinx/engine — the default offline engine: Debian's pocketsphinx (en-US) through koffi.
 *
 * The libraries and model are probed once when the engine is created: if anything is missing the engine
 * still exists, `status()` says what to install and `createStream` rejects with `ENGINE_UNAVAILABLE` — the
 * server starts either way. Each stream gets a fresh decoder (a reused one carries normalisation state from
 * the previous session into the next); decoders are created strictly one at a time, off the main thread.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  EngineStatus,
  SpeechEngine,
  SpeechStream,
  SpeechStreamListener,
  SpeechStreamOptions,
} from '../engine';
import { SpeechError } from '../errors';
import { decoderArgs } from './decoder-args';
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
   * Silence after speech before an utterance ends (default 500 ms, pocketsphinx's own). Lower gives faster
   * finals but splits sentences at pauses.
   */
  readonly vadPostSpeechMs?: number;
  /**
   * Extra decoder arguments, e.g. `{ '-vad_threshold': '3.0' }`; they win over the defaults (pocketsphinx's
   * own plus `-maxhmmpf 5000`: see `decoder-args`).
   */
  readonly decoderArgs?: Readonly<Record<string, string>>;
  /** Called after every decoded batch (metrics, the capacity benchmark). Keep it cheap. */
  readonly onDecode?: (sample: DecodeSample) => void;
}

const SAMPLE_RATE = 16_000;
const LANGUAGES = ['en-US'] as const;

function unavailable(message: string): EngineStatus {
  return { ready: false, code: 'ENGINE_UNAVAILABLE', message };
}

/**
 * Create the pocketsphinx engine. Never throws for a missing install: check `status()`.
 *
 * @example
 * const engine = createPocketsphinxEngine({ modelDir: process.env.POCKETSPHINX_MODEL_DIR });
 * if (!engine.status().ready) log.warn(engine.status());
 * const stream = await engine.createStream({ sampleRate: 16000 }, { onPartial, onFinal, onError });
 */
export function createPocketsphinxEngine(options: PocketsphinxEngineOptions = {}): SpeechEngine {
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const model = {
    acousticModel: options.acousticModel ?? join(modelDir, 'en-us'),
    languageModel: options.languageModel ?? join(modelDir, 'en-us.lm.bin'),
    dictionary: options.dictionary ?? join(modelDir, 'cmudict-en-us.dict'),
  };
  const vadPostSpeechMs = options.vadPostSpeechMs ?? 500;
  const args = decoderArgs(model, {
    sampleRate: SAMPLE_RATE,
    vadPostSpeechMs,
    ...(options.decoderArgs ? { overrides: options.decoderArgs } : {}),
  });

  let native: PocketsphinxNative | undefined;
  let status: EngineStatus = { ready: true };
  try {
    native = loadPocketsphinx({
      sphinxbase: options.libraries?.sphinxbase ?? 'libsphinxbase.so.3',
      pocketsphinx: options.libraries?.pocketsphinx ?? 'libpocketsphinx.so.3',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    status = unavailable(
      `pocketsphinx libraries cannot be loaded (${reason}). Install them: apt-get install ${POCKETSPHINX_PACKAGES}`,
    );
  }
  if (native) {
    const missing = [join(model.acousticModel, 'mdef'), model.languageModel, model.dictionary].filter(
      (path) => !existsSync(path),
    );
    if (missing.length > 0) {
      status = unavailable(
        `pocketsphinx model files are missing (${missing.join(', ')}). Install them: apt-get install ` +
          `${POCKETSPHINX_PACKAGES}, or point the model directory at an en-US model.`,
      );
    }
  }

  const streams = new Set<PocketsphinxStream>();
  let closed = false;
  // ps_init must never run twice at once: each creation waits for the previous one.
  let initTail: Promise<unknown> = Promise.resolve();

  async function createDecoder(lib: PocketsphinxNative) {
    const config = lib.createConfig(args);
    if (!config) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx rejected its decoder arguments.');
    try {
      const decoder = await lib.init(config);
      if (!decoder) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx could not load its model.');
      if ((await lib.startUtt(decoder)) < 0) {
        await lib.free(decoder);
        throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to start an utterance.');
      }
      return decoder;
    } finally {
      // The decoder holds its own reference to the configuration.
      lib.freeConfig(config);
    }
  }

  return {
    name: 'pocketsphinx',
    languages: LANGUAGES,
    status: () => (closed ? unavailable('The pocketsphinx engine is closed.') : status),

    async createStream(
      streamOptions: SpeechStreamOptions,
      listener: SpeechStreamListener,
    ): Promise<SpeechStream> {
      if (closed) throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      if (!native || !status.ready) {
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
      const lib = native;
      const created = initTail.then(() => createDecoder(lib));
      initTail = created.catch(() => undefined);
      const decoder = await created;
      if (closed) {
        await lib.free(decoder);
        throw new SpeechError('ENGINE_CLOSED', 'The pocketsphinx engine is closed.');
      }
      const stream = new PocketsphinxStream(
        lib,
        decoder,
        listener,
        {
          sampleRate: SAMPLE_RATE,
          partialIntervalMs: options.partialIntervalMs ?? 200,
          vadPostSpeechMs,
          // An upload: finals from each utterance decoded as a whole (decision 0052).
          wholeUtterances: streamOptions.purpose === 'file',
          onDecode: options.onDecode,
        },
        (released) => streams.delete(released),
      );
      streams.add(stream);
      return stream;
    },

    async close() {
      closed = true;
      await initTail;
      await Promise.all([...streams].map((stream) => stream.close()));
    },
  };
}
