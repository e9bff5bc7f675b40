/**
 * @module decoder-args — the one place pocketsphinx's decoder arguments are built.
 *
 * Every decoder of an engine gets the same arguments. The n-gram language model is not among them: the
 * engine loads it once per lane and hands it to each decoder (`ps_set_lm`), so `-lm` here is only where
 * that file is read from. `-dict` is replaced by the vocabulary the model knows (see `vocabulary.ts`).
 */

export interface ModelPaths {
  /** Directory of the acoustic model (`mdef`, `means`, …). */
  readonly acousticModel: string;
  readonly languageModel: string;
  readonly dictionary: string;
}

export interface DecoderArgs {
  /** `-key value` pairs for `cmd_ln_init`, without `-lm`. */
  readonly args: ReadonlyArray<readonly [string, string]>;
  /** The n-gram model file the engine loads once per lane (`-lm` of the overrides wins). */
  readonly languageModel: string;
  /** The pronunciation dictionary given (`-dict` of the overrides wins); the engine narrows it. */
  readonly dictionary: string;
}

/**
 * @example
 * const { args, languageModel } = buildDecoderArgs(paths, { sampleRate: 16000, vadPostSpeechMs: 500 });
 */
export function buildDecoderArgs(
  model: ModelPaths,
  settings: {
    readonly sampleRate: number;
    readonly vadPostSpeechMs: number;
    readonly overrides?: Readonly<Record<string, string>>;
  },
): DecoderArgs {
  const args: Array<readonly [string, string]> = [
    ['-hmm', model.acousticModel],
    ['-dict', model.dictionary],
    ['-samprate', String(settings.sampleRate)],
    // The detector counts 10 ms frames.
    ['-vad_postspeech', String(Math.max(1, Math.round(settings.vadPostSpeechMs / 10)))],
    // Caps active HMMs per frame (default 30000), CMU's first speed tip: ~35% less CPU per stream with the
    // same words on our flite sentences (WER 0.052 rms / 0.069 slt either way), so more streams per core.
    ['-maxhmmpf', '3000'],
  ];
  let languageModel = model.languageModel;
  for (const [key, value] of Object.entries(settings.overrides ?? {})) {
    if (key === '-lm') {
      languageModel = value;
      continue;
    }
    const at = args.findIndex(([k]) => k === key);
    if (at >= 0) args.splice(at, 1);
    args.push([key, value]);
  }
  const dictionary = args.find(([k]) => k === '-dict')?.[1] ?? model.dictionary;
  return { args, languageModel, dictionary };
}

/** The same arguments with another value for one key (the narrowed dictionary). */
export function withArg(
  args: ReadonlyArray<readonly [string, string]>,
  key: string,
  value: string,
): Array<readonly [string, string]> {
  return [...args.filter(([k]) => k !== key), [key, value]];
}
