import { describe, expect, it } from 'vitest';
import { decoderArgs, MAX_HMM_PER_FRAME } from './decoder-args';

const model = {
  acousticModel: '/m/en-us',
  languageModel: '/m/en-us.lm.bin',
  dictionary: '/m/cmudict-en-us.dict',
};

describe('decoderArgs', () => {
  it("is pocketsphinx_continuous's defaults plus a -maxhmmpf cap of 5000, not the 3000 that cost accuracy", () => {
    // -samprate 16000 and -vad_postspeech 50 are the library's own defaults (issue 16: -maxhmmpf 3000 cost
    // 4 points of WER on recorded human speech).
    expect(decoderArgs(model, { sampleRate: 16_000, vadPostSpeechMs: 500 })).toEqual([
      ['-hmm', '/m/en-us'],
      ['-lm', '/m/en-us.lm.bin'],
      ['-dict', '/m/cmudict-en-us.dict'],
      ['-samprate', '16000'],
      ['-vad_postspeech', '50'],
      ['-maxhmmpf', '5000'],
    ]);
    expect(MAX_HMM_PER_FRAME).toBeGreaterThan(3000);
  });

  it('lets configured arguments win, without duplicates', () => {
    const args = decoderArgs(model, {
      sampleRate: 16_000,
      vadPostSpeechMs: 300,
      overrides: { '-maxhmmpf': '-1', '-vad_threshold': '3.0' },
    });
    expect(args.filter(([key]) => key === '-maxhmmpf')).toEqual([['-maxhmmpf', '-1']]);
    expect(args).toContainEqual(['-vad_threshold', '3.0']);
    expect(args).toContainEqual(['-vad_postspeech', '30']);
  });
});
