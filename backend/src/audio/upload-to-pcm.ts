/**
 * @module upload-to-pcm — a whole uploaded recording (WAV, raw L16 either byte order, or mp3) → 16 kHz mono
 * 16-bit little-endian PCM, before any engine work, so a bad file costs nothing.
 *
 * WAV and raw L16 are 16 kHz PCM already; mp3 (what Alipay and Baidu recorders write) is decoded and
 * resampled by the same stage as live mp3 sessions ({@link Mp3ToPcm}).
 */
import { CodedError, errorCode } from '../errors';
import { AudioFormatError, Mp3ToPcm } from './mp3-to-pcm';
import { parseWav, requireSpeechFormat } from './wav';

/** How the uploaded bytes are encoded. Raw L16 is big-endian per RFC 2586 unless said otherwise. */
export type UploadEncoding = 'wav' | 'l16-be' | 'l16-le' | 'mp3';

/** A refused upload: its catalogue code (`WAV_*`, `MP3_INVALID`, `AUDIO_TOO_LONG`) and a message to show. */
export class UploadAudioError extends CodedError {
  override name = 'UploadAudioError';
}

/** mp3 bytes decoded at a time: ~16 s at 32 kbit/s, at most ~64 s (8 kbit/s). */
const MP3_SLICE_BYTES = 64 * 1024;

/**
 * Throws {@link UploadAudioError}: not WAV → `WAV_*` (400/415), not mp3 → 400 `MP3_INVALID`, an mp3 longer
 * than `maxMp3AudioMs` → 413 `AUDIO_TOO_LONG`.
 *
 * @example
 * const pcm = await uploadToPcm(body, 'mp3', 600_000);
 */
export async function uploadToPcm(
  bytes: Uint8Array,
  encoding: UploadEncoding,
  maxMp3AudioMs: number,
): Promise<Uint8Array> {
  return encoding === 'mp3' ? decodeMp3(bytes, maxMp3AudioMs) : decode(bytes, encoding);
}

async function decodeMp3(bytes: Uint8Array, maxAudioMs: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const maxBytes = maxAudioMs * 32;
  const tooLong = () =>
    new UploadAudioError(
      'AUDIO_TOO_LONG',
      `the mp3 holds more than ${maxAudioMs / 1000} s of audio (the limit per upload)`,
    );
  const stage = await Mp3ToPcm.create({
    onPcm: (pcm) => {
      total += pcm.byteLength;
      if (total > maxBytes) throw tooLong();
      parts.push(pcm);
    },
  });
  try {
    // In slices, so that a long file stops at the limit instead of being decoded whole first (an 8 kbit/s
    // mp3 holds hours per body), and audio never piles up waiting for the resampler.
    for (let offset = 0; offset < bytes.byteLength; offset += MP3_SLICE_BYTES) {
      stage.write(bytes.subarray(offset, offset + MP3_SLICE_BYTES));
      if (stage.decodedBytes > maxBytes) throw tooLong();
      await stage.drained();
    }
    await stage.end();
  } catch (error) {
    if (error instanceof AudioFormatError) throw new UploadAudioError(error.code, error.message);
    throw error;
  } finally {
    stage.free();
  }
  const pcm = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    pcm.set(part, offset);
    offset += part.byteLength;
  }
  return pcm;
}

function decode(bytes: Uint8Array, encoding: Exclude<UploadEncoding, 'mp3'>): Uint8Array {
  if (encoding === 'l16-le') return bytes.subarray(0, bytes.byteLength - (bytes.byteLength % 2));
  if (encoding === 'l16-be') return swapBytes(bytes);
  let wav: ReturnType<typeof parseWav>;
  try {
    wav = parseWav(bytes);
    requireSpeechFormat(wav);
  } catch (error) {
    // A readable WAV in the wrong format is an unsupported media type (415); an unreadable one is a bad
    // request (400): the catalogue says which for each code.
    const code = errorCode(error) ?? 'WAV_NOT_RIFF';
    throw new UploadAudioError(code, error instanceof Error ? error.message : 'not a WAV file');
  }
  return wav.pcm;
}

function swapBytes(bytes: Uint8Array): Uint8Array {
  const length = bytes.byteLength - (bytes.byteLength % 2);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 2) {
    out[i] = bytes[i + 1]!;
    out[i + 1] = bytes[i]!;
  }
  return out;
}
