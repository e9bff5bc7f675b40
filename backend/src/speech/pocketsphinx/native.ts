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
import { toError } from '../../errors';

type Koffi = typeof import('koffi');

/** An opaque `cmd_ln_t *` (decoder configuration). */
export type ConfigHandle = { readonly __brand: 'cmd_ln_t' };
/** An opaque `ps_decoder_t *`. */
export type DecoderHandle = { readonly __brand: 'ps_decoder_t' };
/** An opaque `ngram_model_t *` (a loaded n-gram language model, reference-counted by the library). */
export type LanguageModelHandle = { readonly __brand: 'ngram_model_t' };

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
  /**
   * `ngram_model_read` off the main thread, with the decoder's configuration and log-math (a model must
   * share the log base of the decoders that search it); `null` when the file cannot be read.
   */
  readLanguageModel(decoder: DecoderHandle, path: string): Promise<LanguageModelHandle | null>;
  /** `ngram_model_free`: drops this reference (decoders searching the model hold their own). */
  freeLanguageModel(model: LanguageModelHandle): void;
  /**
   * The model's unigram log probability of `word` (`ngram_ng_prob` without history, in the decoder's
   * log base: larger is more frequent), or `null` when the word is not in its vocabulary.
   */
  unigramLogProb(model: LanguageModelHandle, word: string): number | null;
  /** `ps_set_lm(ps, name, lm)` + `ps_set_search(ps, name)`: the decoder searches a model it shares. */
  useLanguageModel(decoder: DecoderHandle, name: string, model: LanguageModelHandle): Promise<number>;
  /** `ps_start_stream`: forget the noise and voice-activity state of the previous audio stream. */
  startStream(decoder: DecoderHandle): Promise<number>;
  /** The decoder's live cepstral mean (`cmn_live_get`), 13 values for the en-US model. */
  getCepstralMean(decoder: DecoderHandle): Float32Array;
  /** `cmn_live_set`: restore the cepstral mean a fresh decoder starts from (`-cmninit`). */
  setCepstralMean(decoder: DecoderHandle, mean: Float32Array): void;
  /** glibc `malloc_trim(0)` off the main thread: hands freed heap pages back to the system. */
  trimHeap(): Promise<void>;
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
      if (error) reject(toError(error));
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
  koffi.opaque('ngram_model_t');
  koffi.opaque('logmath_t');
  koffi.opaque('feat_t');
  koffi.opaque('cmn_t');
  // The head of sphinxbase 5prealpha's `feat_t` (sphinxbase/feat.h) up to `cmn_struct`, the live
  // cepstral-mean state; the library has no accessor for it. Checked on use: the mean's length must equal
  // the feature's cepstrum size, or the layout is not the one assumed and the call throws.
  koffi.struct('feat_head_t', {
    refcount: 'int',
    name: 'void *',
    cepsize: 'int32_t',
    n_stream: 'int32_t',
    stream_len: 'void *',
    window_size: 'int32_t',
    n_sv: 'int32_t',
    sv_len: 'void *',
    subvecs: 'void *',
    sv_buf: 'void *',
    sv_dim: 'int32_t',
    cmn: 'int',
    varnorm: 'int32_t',
    agc: 'int',
    compute_feat: 'void *',
    cmn_struct: 'cmn_t *',
  });
  // sphinxbase/cmn.h's `cmn_t`: `veclen` says how many values the mean holds.
  koffi.struct('cmn_head_t', {
    cmn_mean: 'void *',
    cmn_var: 'void *',
    sum: 'void *',
    nframe: 'int32_t',
    veclen: 'int32_t',
  });
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
  const psGetConfig = declare<[DecoderHandle], ConfigHandle>(
    pocketsphinx,
    'cmd_ln_t *ps_get_config(ps_decoder_t *ps)',
  );
  const psGetLogmath = declare<[DecoderHandle], unknown>(
    pocketsphinx,
    'logmath_t *ps_get_logmath(ps_decoder_t *ps)',
  );
  const ngramModelRead = declare<[ConfigHandle, string, number, unknown], LanguageModelHandle | null>(
    sphinxbase,
    'ngram_model_t *ngram_model_read(cmd_ln_t *config, const char *file, int type, logmath_t *lmath)',
  );
  const ngramModelFree = declare<[LanguageModelHandle], number>(
    sphinxbase,
    'int ngram_model_free(ngram_model_t *model)',
  );
  const ngramWid = declare<[LanguageModelHandle, string], number>(
    sphinxbase,
    'int32_t ngram_wid(ngram_model_t *model, const char *word)',
  );
  const ngramUnknownWid = declare<[LanguageModelHandle], number>(
    sphinxbase,
    'int32_t ngram_unknown_wid(ngram_model_t *model)',
  );
  const ngramNgProb = declare<[LanguageModelHandle, number, null, number, Int32Array], number>(
    sphinxbase,
    'int32_t ngram_ng_prob(ngram_model_t *model, int32_t wid, int32_t *history, int32_t n_hist, _Out_ int32_t *n_used)',
  );
  const psSetLm = declare<[DecoderHandle, string, LanguageModelHandle], number>(
    pocketsphinx,
    'int ps_set_lm(ps_decoder_t *ps, const char *name, ngram_model_t *lm)',
  );
  const psSetSearch = declare<[DecoderHandle, string], number>(
    pocketsphinx,
    'int ps_set_search(ps_decoder_t *ps, const char *name)',
  );
  const psStartStream = declare<[DecoderHandle], number>(
    pocketsphinx,
    'int ps_start_stream(ps_decoder_t *ps)',
  );
  const psGetFeat = declare<[DecoderHandle], unknown>(pocketsphinx, 'feat_t *ps_get_feat(ps_decoder_t *ps)');
  const cmnLiveGet = declare<[unknown, Float32Array], void>(
    sphinxbase,
    'void cmn_live_get(cmn_t *cmn, _Out_ float *vec)',
  );
  const cmnLiveSet = declare<[unknown, Float32Array], void>(
    sphinxbase,
    'void cmn_live_set(cmn_t *cmn, const float *vec)',
  );
  const libc = koffi.load('libc.so.6');
  const mallocTrim = declare<[number], number>(libc, 'int malloc_trim(size_t pad)');
  /** The decoder's `cmn_t *` and the length of its mean, checked against the feature's cepstrum size. */
  const cmnOf = (ps: DecoderHandle): { cmn: unknown; length: number } => {
    const feat = koffi.decode(psGetFeat(ps), 'feat_head_t') as { cepsize: number; cmn_struct: unknown };
    const length =
      feat.cmn_struct === null
        ? 0
        : (koffi.decode(feat.cmn_struct, 'cmn_head_t') as { veclen: number }).veclen;
    if (length < 1 || length > 64 || length !== feat.cepsize) {
      throw new Error('this libsphinxbase does not have the feat_t/cmn_t layout the engine was built for');
    }
    return { cmn: feat.cmn_struct, length };
  };

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
    readLanguageModel: (ps, path) =>
      // NGRAM_AUTO (0): the format is told from the file.
      callAsync(ngramModelRead, psGetConfig(ps), path, 0, psGetLogmath(ps)),
    freeLanguageModel: (model) => {
      ngramModelFree(model);
    },
    unigramLogProb: (model, word) => {
      const wid = ngramWid(model, word);
      return wid === ngramUnknownWid(model) ? null : ngramNgProb(model, wid, null, 0, new Int32Array(1));
    },
    useLanguageModel: async (ps, name, model) => {
      const added = await callAsync(psSetLm, ps, name, model);
      return added < 0 ? added : psSetSearch(ps, name);
    },
    startStream: (ps) => callAsync(psStartStream, ps),
    getCepstralMean: (ps) => {
      const { cmn, length } = cmnOf(ps);
      const mean = new Float32Array(length);
      cmnLiveGet(cmn, mean);
      return mean;
    },
    setCepstralMean: (ps, mean) => {
      const { cmn, length } = cmnOf(ps);
      if (mean.length !== length)
        throw new Error(`a cepstral mean needs ${length} values, not ${mean.length}`);
      cmnLiveSet(cmn, mean);
    },
    trimHeap: async () => {
      await callAsync(mallocTrim, 0);
    },
  };
}
