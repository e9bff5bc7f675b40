/**
 * @module decoder-args — the one place pocketsphinx's decoder arguments are chosen.
 *
 * pocketsphinx's own defaults (those of Debian's `pocketsphinx_continuous`) plus one speed cap,
 * `-maxhmmpf 5000` (active HMMs per frame, default 30000): on recorded human speech it keeps the CLI's words
 * at ~20% less CPU per stream. The earlier cap of 3000 cost 4 points of word error rate on human speech
 * from a fresh decoder (43.5% against the CLI's 39.1%) while flite speech showed nothing: that was the gap
 * of issue 16 (decision 0051). Uploads and live streams share these arguments (one decoder kind); uploads
 * differ in how the stream decodes (`wholeUtterances`, decision 0052), not in the decoder.
 */

export interface ModelPaths {
  readonly acousticModel: string;
  readonly languageModel: string;
  readonly dictionary: string;
}

export interface DecoderArgsOptions {
  readonly sampleRate: number;
  /** Silence after speech before an utterance ends; the detector counts 10 ms frames. */
  readonly vadPostSpeechMs: number;
  /** The engine's `decoderArgs` option: wins over everything here. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** Active HMMs per frame (pocketsphinx's default is 30000; 3000 cost accuracy on human speech). */
export const MAX_HMM_PER_FRAME = 5000;

/**
 * @example
 * const args = decoderArgs(model, { sampleRate: 16000, vadPostSpeechMs: 500 });
 * // [['-hmm', …], ['-lm', …], ['-dict', …], ['-samprate', '16000'], ['-vad_postspeech', '50'], ['-maxhmmpf', '5000']]
 */
export function decoderArgs(
  model: ModelPaths,
  options: DecoderArgsOptions,
): Array<readonly [string, string]> {
  const args: Array<readonly [string, string]> = [
    ['-hmm', model.acousticModel],
    ['-lm', model.languageModel],
    ['-dict', model.dictionary],
    ['-samprate', String(options.sampleRate)],
    ['-vad_postspeech', String(Math.max(1, Math.round(options.vadPostSpeechMs / 10)))],
    ['-maxhmmpf', String(MAX_HMM_PER_FRAME)],
  ];
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    const at = args.findIndex(([k]) => k === key);
    if (at >= 0) args.splice(at, 1);
    args.push([key, value]);
  }
  return args;
}
