import { describe, expect, it } from 'vitest';
import { decoderArgs, LIVE_MAX_HMM_PER_FRAME } from './decoder-args';

const model = {
  acousticModel: '/m/en-us',
  languageModel: '/m/en-us.lm.bin',
  dictionary: '/m/cmudict-en-us.dict',
};
const base = { sampleRate: 16_000, vadPostSpeechMs: 500 };

describe('decoderArgs', () => {
  it('decodes uploads with pocketsphinx defaults only: what pocketsphinx_continuous uses', () => {
    // -samprate 16000 and -vad_postspeech 50 are the library's own defaults; nothing else is set, so an
    // upload scores the CLI's words (issue 16: a -maxhmmpf cap cost 4 points on human speech).
    expect(decoderArgs(model, { ...base, purpose: 'file' })).toEqual([
      ['-hmm', '/m/en-us'],
      ['-lm', '/m/en-us.lm.bin'],
      ['-dict', '/m/cmudict-en-us.dict'],
      ['-samprate', '16000'],
      ['-vad_postspeech', '50'],
    ]);
  });

  it('caps active HMMs per frame for live streams at 5000, not the 3000 that cost accuracy', () => {
    const args = decoderArgs(model, { ...base, purpose: 'live' });
    expect(args).toContainEqual(['-maxhmmpf', '5000']);
    expect(LIVE_MAX_HMM_PER_FRAME).toBeGreaterThan(3000);
  });

  it('lets configured arguments win for both purposes, without duplicates', () => {
    for (const purpose of ['live', 'file'] as const) {
      const args = decoderArgs(model, {
        ...base,
        purpose,
        vadPostSpeechMs: 300,
        overrides: { '-maxhmmpf': '-1', '-vad_threshold': '3.0' },
      });
      expect(args.filter(([key]) => key === '-maxhmmpf')).toEqual([['-maxhmmpf', '-1']]);
      expect(args).toContainEqual(['-vad_threshold', '3.0']);
      expect(args).toContainEqual(['-vad_postspeech', '30']);
    }
  });
});
