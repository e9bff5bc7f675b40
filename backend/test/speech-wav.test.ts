/**
 * @module speech-wav.test — WAV parsing for uploads: formats accepted, refused, and malformed.
 */

import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav, requireSpeechFormat } from '../src/audio/wav';
import { SpeechError } from '../src/speech';

function pcmOf(samples: number[]): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((sample, i) => {
    view.setInt16(i * 2, sample, true);
  });
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SpeechError);
    return (error as SpeechError).code;
  }
  return undefined;
}

/** A WAV with arbitrary fmt fields and extra chunks, built by hand. */
function customWav(
  fields: { tag?: number; channels?: number; rate?: number; bits?: number },
  chunks: Uint8Array[] = [],
) {
  const fmt = new Uint8Array(24);
  const view = new DataView(fmt.buffer);
  fmt.set([0x66, 0x6d, 0x74, 0x20]);
  view.setUint32(4, 16, true);
  view.setUint16(8, fields.tag ?? 1, true);
  view.setUint16(10, fields.channels ?? 1, true);
  view.setUint32(12, fields.rate ?? 16000, true);
  const bits = fields.bits ?? 16;
  const blockAlign = (fields.channels ?? 1) * Math.ceil(bits / 8);
  view.setUint32(16, (fields.rate ?? 16000) * blockAlign, true);
  view.setUint16(20, blockAlign, true);
  view.setUint16(22, bits, true);
  const body = [fmt, ...chunks];
  const size = body.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + size);
  out.set([0x52, 0x49, 0x46, 0x46]);
  new DataView(out.buffer).setUint32(4, 4 + size, true);
  out.set([0x57, 0x41, 0x56, 0x45], 8);
  let at = 12;
  for (const c of body) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function chunk(id: string, payload: Uint8Array, declaredSize = payload.length): Uint8Array {
  const out = new Uint8Array(8 + payload.length + (payload.length % 2));
  out.set([...id].map((c) => c.charCodeAt(0)));
  new DataView(out.buffer).setUint32(4, declaredSize, true);
  out.set(payload, 8);
  return out;
}

describe('parseWav', () => {
  it('round-trips encodeWav output as 16 kHz mono 16-bit', () => {
    const pcm = pcmOf([0, 1, -1, 32767, -32768]);
    const wav = parseWav(encodeWav(pcm));
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect([...wav.pcm]).toEqual([...pcm]);
    expect(() => requireSpeechFormat(wav)).not.toThrow();
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const data = pcmOf([5, 6, 7]);
    const wav = parseWav(customWav({}, [chunk('LIST', new Uint8Array(3)), chunk('data', data)]));
    expect([...wav.pcm]).toEqual([...data]);
  });

  it('clamps a data size beyond the end (streamed WAVs) and drops a partial sample frame', () => {
    const data = pcmOf([1, 2, 3]);
    const bytes = customWav({}, [chunk('data', data, 0xffffffff)]);
    expect(parseWav(bytes).pcm.length).toBe(6);
    expect(parseWav(bytes.subarray(0, bytes.length - 1)).pcm.length).toBe(4);
  });

  it('reports the format of non-speech WAVs and requireSpeechFormat refuses them with a clear message', () => {
    const stereo = parseWav(customWav({ channels: 2, rate: 44100 }, [chunk('data', pcmOf([1, 2]))]));
    expect(stereo).toMatchObject({ sampleRate: 44100, channels: 2, bitsPerSample: 16 });
    expect(() => requireSpeechFormat(stereo)).toThrow(
      /Expected 16 kHz mono 16-bit PCM, got 44.1 kHz, 2 channels, 16-bit/,
    );
    expect(codeOf(() => requireSpeechFormat(stereo))).toBe('WAV_UNSUPPORTED_FORMAT');
    const eightBit = parseWav(customWav({ bits: 8 }, [chunk('data', new Uint8Array(4))]));
    expect(codeOf(() => requireSpeechFormat(eightBit))).toBe('WAV_UNSUPPORTED_FORMAT');
  });

  it('refuses non-RIFF input', () => {
    expect(codeOf(() => parseWav(new Uint8Array(0)))).toBe('WAV_NOT_RIFF');
    expect(codeOf(() => parseWav(new TextEncoder().encode('ID3\u0003 this is an mp3, honest')))).toBe(
      'WAV_NOT_RIFF',
    );
    expect(() => parseWav(pcmOf([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/Not a WAV file/);
  });

  it('refuses float, compressed and odd bit depths', () => {
    const data = chunk('data', new Uint8Array(8));
    expect(codeOf(() => parseWav(customWav({ tag: 3, bits: 32 }, [data])))).toBe('WAV_UNSUPPORTED_FORMAT');
    expect(() => parseWav(customWav({ tag: 0x55 }, [data]))).toThrow(/format tag 0x0055/);
    expect(codeOf(() => parseWav(customWav({ bits: 12 }, [data])))).toBe('WAV_UNSUPPORTED_FORMAT');
    expect(codeOf(() => parseWav(customWav({ channels: 0 }, [data])))).toBe('WAV_UNSUPPORTED_FORMAT');
  });

  it('refuses truncated files and files without data', () => {
    const full = encodeWav(pcmOf([1, 2]));
    expect(codeOf(() => parseWav(full.subarray(0, 30)))).toBe('WAV_TRUNCATED');
    expect(codeOf(() => parseWav(full.subarray(0, 12)))).toBe('WAV_TRUNCATED');
    expect(codeOf(() => parseWav(customWav({})))).toBe('WAV_NO_DATA');
  });
});
