import { describe, expect, it } from 'vitest';
import { buildDecoderArgs, withArg } from './decoder-args';

const MODEL = { acousticModel: '/m/en-us', languageModel: '/m/en-us.lm.bin', dictionary: '/m/cmudict.dict' };

describe('decoder arguments', () => {
  it('builds the defaults without -lm: the engine loads the model itself and shares it', () => {
    const { args, languageModel, dictionary } = buildDecoderArgs(MODEL, {
      sampleRate: 16000,
      vadPostSpeechMs: 500,
    });
    expect(args).toEqual([
      ['-hmm', '/m/en-us'],
      ['-dict', '/m/cmudict.dict'],
      ['-samprate', '16000'],
      ['-vad_postspeech', '50'],
      ['-maxhmmpf', '3000'],
    ]);
    expect(languageModel).toBe('/m/en-us.lm.bin');
    expect(dictionary).toBe('/m/cmudict.dict');
  });

  it('lets overrides win, including the model and dictionary paths', () => {
    const built = buildDecoderArgs(MODEL, {
      sampleRate: 16000,
      vadPostSpeechMs: 300,
      overrides: { '-maxhmmpf': '10000', '-lm': '/x.lm.bin', '-dict': '/x.dict', '-cmn': 'live' },
    });
    expect(built.args).toContainEqual(['-maxhmmpf', '10000']);
    expect(built.args.filter(([key]) => key === '-maxhmmpf')).toHaveLength(1);
    expect(built.args).toContainEqual(['-cmn', 'live']);
    expect(built.args.some(([key]) => key === '-lm')).toBe(false);
    expect(built).toMatchObject({ languageModel: '/x.lm.bin', dictionary: '/x.dict' });
  });

  it('replaces one argument', () => {
    expect(
      withArg(
        [
          ['-dict', '/a'],
          ['-hmm', '/h'],
        ],
        '-dict',
        '/b',
      ),
    ).toEqual([
      ['-hmm', '/h'],
      ['-dict', '/b'],
    ]);
  });
});
