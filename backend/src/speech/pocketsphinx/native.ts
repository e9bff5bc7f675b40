/**
 * @module native — a small typed layer over Debian's libpocketsphinx3 through koffi.
 *
 * koffi hands back untyped functions; this module is the only place that touches them, so the rest of the
 * engine sees branded handles and Promise-returning calls. Calls that do real work (`ps_init`,
 * `ps_process_raw`, `ps_get_hyp`, `ps_end_utt`, `ps_free`) run through koffi's `.async` on the libuv
 * threadpool so decoding never blocks the event loop. A decoder is not thread-safe: callers must serialize
 * calls per decoder (the stream's pump does), and must not run two `init` calls at once (the engine's init
 * lock does) — concurrent `ps_init` deadlocked or crashed on this library.
 */

import { createRequire } from 'node:module';
import type { LibraryHandle } from 'koffi';

type Koffi = typeof import('koffi');

/** An opaque `cmd_ln_t *` (decoder configuration). */
export type ConfigHandle = { readonly __brand: 'cmd_ln_t' };
/** An opaque `ps_decoder_t *`. */
export type DecoderHandle = { readonly __brand: 'ps_decoder_t' };

/** The pocketsphinx calls the engine uses, typed. */
export interface PocketsphinxNative {
  /** `cmd_ln_init(NULL, ps_args(), TRUE, key, value, …, NULL)`; `null` when an argument is rejected. */
  createConfig(args: ReadonlyArray<readonly [string, string]>): ConfigHandle | null;
  freeConfig(config: ConfigHandle): void;
  /** `ps_init` off the main thread; `null` when the model could not be loaded. */
  init(config: ConfigHandle): Promise<DecoderHandle | null>;
  startUtt(decoder: DecoderHandle): Promise<number>;
  /** `ps_process_raw(ps, data, n, no_search = FALSE, full_utt = FALSE)`; frames searched or < 0. */
  processRaw(decoder: DecoderHandle, samples: Int16Array): Promise<number>;
  /**
   * `ps_process_raw(ps, data, n, FALSE, full_utt = TRUE)`: the whole utterance at once, so cepstral mean
   * normalisation uses this utterance's own mean instead of a running estimate.
   */
  processFullUtterance(decoder: DecoderHandle, samples: Int16Array): Promise<number>;
  /** Cheap flag read (no search), so it runs synchronously — still only between serialized calls. */
  inSpeech(decoder: DecoderHandle): boolean;
  getHyp(decoder: DecoderHandle): Promise<string | null>;
  endUtt(decoder: DecoderHandle): Promise<number>;
  free(decoder: DecoderHandle): Promise<void>;
}

type AsyncCallback<T> = (error: unknown, result: T) => void;

/** The shape koffi gives a declared function; typed here once so nothing else sees koffi's `any`. */
interface NativeFunction<Args extends unknown[], Result> {
  (...args: Args): Result;
  async(...args: [...Args, AsyncCallback<Result>]): void;
}

function declare<Args extends unknown[], Result>(
  library: LibraryHandle,
  prototype: string,
): NativeFunction<Args, Result> {
  return library.func(prototype) as unknown as NativeFunction<Args, Result>;
}

function callAsync<Args extends unknown[], Result>(
  fn: NativeFunction<Args, Result>,
  ...args: Args
): Promise<Result> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (error, result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
  });
}

let koffiModule: Koffi | undefined;
let logSilenced = false;
let typesDeclared = false;

/**
 * koffi is required lazily: its native binary comes from an optional dependency, and a missing binary must
 * make this engine unavailable (reported by `status()`), not stop the whole server at import time.
 */
function requireKoffi(): Koffi {
  koffiModule ??= createRequire(import.meta.url)('koffi') as Koffi;
  return koffiModule;
}

/** koffi type names are process-global: declare them once even if several engines load the library. */
function declareTypes(koffi: Koffi): void {
  if (typesDeclared) return;
  // Opaque types make koffi return external handles for these pointers instead of raw addresses.
  koffi.opaque('cmd_ln_t');
  koffi.opaque('ps_decoder_t');
  koffi.opaque('arg_t');
  typesDeclared = true;
}

/**
 * Load both libraries and declare the calls. Throws when koffi or a library cannot be loaded.
 *
 * @example
 * const native = loadPocketsphinx({ sphinxbase: 'libsphinxbase.so.3', pocketsphinx: 'libpocketsphinx.so.3' });
 */
export function loadPocketsphinx(paths: { sphinxbase: string; pocketsphinx: string }): PocketsphinxNative {
  const koffi = requireKoffi();
  const sphinxbase = koffi.load(paths.sphinxbase);
  const pocketsphinx = koffi.load(paths.pocketsphinx);
  declareTypes(koffi);

  const errSetLogfp = declare<[null], void>(sphinxbase, 'void err_set_logfp(void *fp)');
  const cmdLnInit = declare<unknown[], ConfigHandle | null>(
    sphinxbase,
    'cmd_ln_t *cmd_ln_init(cmd_ln_t *inout, const arg_t *defn, int strict, ...)',
  );
  const cmdLnFreeR = declare<[ConfigHandle], number>(sphinxbase, 'int cmd_ln_free_r(cmd_ln_t *cmdln)');
  const psArgs = declare<[], unknown>(pocketsphinx, 'const arg_t *ps_args()');
  const psInit = declare<[ConfigHandle], DecoderHandle | null>(
    pocketsphinx,
    'ps_decoder_t *ps_init(cmd_ln_t *config)',
  );
  const psStartUtt = declare<[DecoderHandle], number>(pocketsphinx, 'int ps_start_utt(ps_decoder_t *ps)');
  const psProcessRaw = declare<[DecoderHandle, Int16Array, number, number, number], number>(
    pocketsphinx,
    'int ps_process_raw(ps_decoder_t *ps, const int16_t *data, size_t n_samples, int no_search, int full_utt)',
  );
  const psGetInSpeech = declare<[DecoderHandle], number>(
    pocketsphinx,
    'uint8_t ps_get_in_speech(ps_decoder_t *ps)',
  );
  const psGetHyp = declare<[DecoderHandle, null], string | null>(
    pocketsphinx,
    'const char *ps_get_hyp(ps_decoder_t *ps, void *out_best_score)',
  );
  const psEndUtt = declare<[DecoderHandle], number>(pocketsphinx, 'int ps_end_utt(ps_decoder_t *ps)');
  const psFree = declare<[DecoderHandle], number>(pocketsphinx, 'int ps_free(ps_decoder_t *ps)');

  // The library logs every decoder's setup to stderr through one process-global log file; `-logfn` per
  // decoder races between decoders. Turning logging off once, before any decoder exists, avoids both.
  if (!logSilenced) {
    errSetLogfp(null);
    logSilenced = true;
  }

  return {
    createConfig(args) {
      const variadic: unknown[] = [];
      for (const [key, value] of args) variadic.push('str', key, 'str', value);
      variadic.push('str', null);
      return cmdLnInit(null, psArgs(), 1, ...variadic);
    },
    freeConfig: (config) => {
      cmdLnFreeR(config);
    },
    init: (config) => callAsync(psInit, config),
    startUtt: (ps) => callAsync(psStartUtt, ps),
    processRaw: (ps, samples) => callAsync(psProcessRaw, ps, samples, samples.length, 0, 0),
    processFullUtterance: (ps, samples) => callAsync(psProcessRaw, ps, samples, samples.length, 0, 1),
    inSpeech: (ps) => psGetInSpeech(ps) !== 0,
    getHyp: (ps) => callAsync(psGetHyp, ps, null),
    endUtt: (ps) => callAsync(psEndUtt, ps),
    free: async (ps) => {
      await callAsync(psFree, ps);
    },
  };
}
