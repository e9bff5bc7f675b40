/**
 * @module wav — parse a RIFF/WAVE file into its format and PCM bytes (pure, no I/O).
 *
 * Used by the HTTP upload route: it needs the sample format to refuse anything but 16 kHz mono 16-bit with
 * a clear message (415), and the PCM bytes to feed a speech stream. Only integer PCM is accepted; float and
 * compressed WAVs are refused rather than silently misread.
 */

import { SpeechError } from '../speech/errors';

/** A parsed WAV file. `pcm` is a view into the input bytes (no copy). */
export interface WavAudio {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  readonly pcm: Uint8Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

/**
 * Parse a WAV file.
 *
 * Throws `SpeechError` with `WAV_NOT_RIFF` (not a RIFF/WAVE file), `WAV_TRUNCATED` (a chunk header or the
 * `fmt ` chunk is cut off), `WAV_NO_DATA` (no `data` chunk) or `WAV_UNSUPPORTED_FORMAT` (not integer PCM).
 * A `data` size larger than the file (streamed WAVs write 0xFFFFFFFF) is clamped to the bytes present, and
 * a trailing partial sample frame is dropped.
 *
 * @example
 * const { sampleRate, channels, bitsPerSample, pcm } = parseWav(await readFile('hello.wav'));
 */
export function parseWav(bytes: Uint8Array): WavAudio {
  if (bytes.length < 12 || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WAVE') {
    throw new SpeechError('WAV_NOT_RIFF', 'Not a WAV file: expected a RIFF/WAVE header.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format:
    | { tag: number; channels: number; sampleRate: number; bitsPerSample: number; blockAlign: number }
    | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) {
        throw new SpeechError('WAV_TRUNCATED', 'WAV file is truncated: the format chunk is incomplete.');
      }
      let tag = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE carries the real format tag as the first two bytes of its sub-format GUID.
      if (tag === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) {
        tag = view.getUint16(body + 24, true);
      }
      format = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) {
        throw new SpeechError('WAV_TRUNCATED', 'WAV file has its data chunk before the format chunk.');
      }
      checkFormat(format);
      const end = Math.min(bytes.length, body + size);
      const usable = end - body - ((end - body) % format.blockAlign);
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        bitsPerSample: format.bitsPerSample,
        pcm: bytes.subarray(body, body + usable),
      };
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    offset = body + size + (size % 2);
  }
  throw new SpeechError(
    format ? 'WAV_NO_DATA' : 'WAV_TRUNCATED',
    format ? 'WAV file has no data chunk.' : 'WAV file is truncated: no format chunk found.',
  );
}

function checkFormat(format: {
  tag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}): void {
  if (format.tag !== WAVE_FORMAT_PCM) {
    throw new SpeechError(
      'WAV_UNSUPPORTED_FORMAT',
      `Unsupported WAV encoding (format tag 0x${format.tag.toString(16).padStart(4, '0')}): only integer PCM is accepted.`,
    );
  }
  const validBits = [8, 16, 24, 32].includes(format.bitsPerSample);
  if (!validBits || format.channels < 1 || format.sampleRate < 1 || format.blockAlign < 1) {
    throw new SpeechError(
      'WAV_UNSUPPORTED_FORMAT',
      `Unsupported WAV format: ${format.channels} channel(s), ${format.sampleRate} Hz, ${format.bitsPerSample}-bit.`,
    );
  }
}

/**
 * Check that a parsed WAV is what speech streams take (16-bit mono at `sampleRate`), with a message that
 * says what was found.
 *
 * @example
 * const wav = parseWav(body);
 * requireSpeechFormat(wav); // throws WAV_UNSUPPORTED_FORMAT for 44.1 kHz stereo
 */
export function requireSpeechFormat(wav: WavAudio, sampleRate = 16_000): void {
  if (wav.sampleRate !== sampleRate || wav.channels !== 1 || wav.bitsPerSample !== 16) {
    throw new SpeechError(
      'WAV_UNSUPPORTED_FORMAT',
      `Expected ${sampleRate / 1000} kHz mono 16-bit PCM, got ${wav.sampleRate / 1000} kHz, ` +
        `${wav.channels === 1 ? 'mono' : `${wav.channels} channels`}, ${wav.bitsPerSample}-bit.`,
    );
  }
}

/**
 * Wrap 16-bit mono PCM in a minimal WAV header (for fixtures, downloads and debugging).
 *
 * @example
 * await writeFile('out.wav', encodeWav(pcm, 16000));
 */
export function encodeWav(
  pcm: Uint8Array,
  sampleRate = 16_000,
  channels = 1,
  bitsPerSample = 16,
): Uint8Array {
  const out = new Uint8Array(44 + pcm.length);
  const view = new DataView(out.buffer);
  const blockAlign = channels * (bitsPerSample / 8);
  out.set([0x52, 0x49, 0x46, 0x46], 0); // RIFF
  view.setUint32(4, 36 + pcm.length, true);
  out.set([0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74, 0x20], 8); // WAVEfmt␠
  view.setUint32(16, 16, true);
  view.setUint16(20, WAVE_FORMAT_PCM, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, bitsPerSample, true);
  out.set([0x64, 0x61, 0x74, 0x61], 36); // data
  view.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}
