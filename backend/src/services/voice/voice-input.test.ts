/**
 * @module voice-input.test — what clients may send on the voice namespace, format included.
 */
import { describe, expect, it } from 'vitest';
import { parseAudioChunk, parseStartOptions } from './voice-input';

describe('parseStartOptions', () => {
  it('accepts nothing, PCM and mp3 options', () => {
    expect(parseStartOptions(undefined)).toEqual({ ok: true, value: {} });
    expect(parseStartOptions({ sampleRate: 16000, language: 'en-US', extra: 1 })).toEqual({
      ok: true,
      value: { sampleRate: 16000, language: 'en-US' },
    });
    expect(parseStartOptions({ format: 'pcm16le', sampleRate: 16000 })).toEqual({
      ok: true,
      value: { format: 'pcm16le', sampleRate: 16000 },
    });
  });

  it('drops sampleRate with mp3: the frame headers carry the real rate', () => {
    expect(parseStartOptions({ format: 'mp3', sampleRate: 44100, engine: 'pocketsphinx' })).toEqual({
      ok: true,
      value: { format: 'mp3', engine: 'pocketsphinx' },
    });
  });

  it('refuses an unknown format with BAD_REQUEST naming the formats', () => {
    for (const format of ['aac', 'MP3', 'pcm', 16, null, {}]) {
      const parsed = parseStartOptions({ format });
      expect(parsed.ok, String(format)).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.code).toBe('BAD_REQUEST');
        expect(parsed.error.message).toMatch(/format must be one of "pcm16le", "mp3"/);
      }
    }
  });

  it('refuses non-objects and bad fields', () => {
    expect(parseStartOptions('mp3')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(parseStartOptions(new ArrayBuffer(2))).toMatchObject({ ok: false });
    expect(parseStartOptions({ sampleRate: '16000' })).toMatchObject({ ok: false });
    expect(parseStartOptions({ language: 'x'.repeat(65) })).toMatchObject({ ok: false });
  });
});

describe('parseAudioChunk', () => {
  it('takes any binary as bytes and refuses the rest with BAD_AUDIO', () => {
    expect(parseAudioChunk(new ArrayBuffer(4))).toMatchObject({ ok: true });
    expect(parseAudioChunk(new Int16Array(2))).toMatchObject({ ok: true, value: new Uint8Array(4) });
    const refused = parseAudioChunk('AAAA');
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_AUDIO' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/binary .* in the session's format, got "AAAA"/);
  });
});
