/**
 * @module decoder-args — the one place pocketsphinx's decoder arguments are chosen, per purpose.
 *
 * Uploads (`purpose: 'file'`) decode with pocketsphinx's own defaults, exactly as Debian's
 * `pocketsphinx_continuous -infile` does: on recorded human speech that is the engine's own figure (decision
 * 0051). Live streams add one speed cap, `-maxhmmpf 5000` (active HMMs per frame, default 30000): ~20% less
 * CPU per stream with the CLI's words on that speech. The earlier cap of 3000 cost 4 points of word error
 * rate on human speech (43.5% against 39.1%) while flite speech showed nothing: that was the gap of issue 16.
 */
import type { SpeechPurpose } from '../engine';

export interface ModelPaths {
  readonly acousticModel: string;
  readonly languageModel: string;
  readonly dictionary: string;
}

export interface DecoderArgsOptions {
  readonly purpose: SpeechPurpose;
  readonly sampleRate: number;
  /** Silence after speech before an utterance ends; the detector counts 10 ms frames. */
  readonly vadPostSpeechMs: number;
  /** The engine's `decoderArgs` option: wins over everything here, for both purposes. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** Active HMMs per frame for live streams (pocketsphinx's default, used for files, is 30000). */
export const LIVE_MAX_HMM_PER_FRAME = 5000;

/**
 * @example
 * const args = decoderArgs(model, { purpose: 'live', sampleRate: 16000, vadPostSpeechMs: 500 });
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
  ];
  if (options.purpose === 'live') args.push(['-maxhmmpf', String(LIVE_MAX_HMM_PER_FRAME)]);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    const at = args.findIndex(([k]) => k === key);
    if (at >= 0) args.splice(at, 1);
    args.push([key, value]);
  }
  return args;
}
