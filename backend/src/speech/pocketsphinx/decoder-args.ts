/**
 * @module decoder-args — the one place pocketsphinx's decoder arguments are built.
 *
 * pocketsphinx's own defaults (those of Debian's `pocketsphinx_continuous`) plus one speed cap,
 * `-maxhmmpf` (active HMMs per frame, default 30000). The earlier cap of 3000 cost 4 points of word error
 * rate on recorded human speech from a fresh decoder (43.5% against the CLI's 39.1%) while flite speech
 * showed nothing: that was the gap of issue 16 (decision 0051). Uploads and live streams share these
 * arguments (one decoder kind, so one pool); uploads differ in how the stream decodes (`wholeUtterances`,
 * decision 0052), not in the decoder.
 *
 * Every decoder of an engine gets the same arguments. The n-gram language model is not among them: the
 * engine loads it once per lane and hands it to each decoder (`ps_set_lm`), so `-lm` here is only where
 * that file is read from. `-dict` is replaced by the vocabulary the model knows (see `vocabulary.ts`).
 */

/**
 * Active HMMs per frame. 3000 lost the CLI's words on human speech; 3500, 4000, 5000 and no cap all give
 * them (decision 0051). 4000 keeps a margin above the drop-off at less CPU per stream than 5000, which
 * decides how many live sessions a core carries (decision 0047).
 */
export const MAX_HMM_PER_FRAME = 4000;

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
    ['-maxhmmpf', String(MAX_HMM_PER_FRAME)],
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
