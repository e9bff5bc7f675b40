/**
 * @module recognize-file — recognition of an uploaded recording through the same pipeline as a live
 * session (same engine streams, same storing and announcing), as fast as the engine goes.
 *
 * WAV and raw L16 are 16 kHz PCM already; mp3 (what Alipay and Baidu recorders write) is decoded and
 * resampled by the same stage as live mp3 sessions, before any engine work, so a bad file costs nothing.
 */
import { randomUUID } from 'node:crypto';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { AudioFormatError, Mp3ToPcm } from '../audio/mp3-to-pcm';
import type { TranscriptRepository } from '../db/transcript-repository';
import type { Logger } from '../log';
import { type EngineRegistry, parseWav, requireSpeechFormat } from '../speech';
import type { Admission } from './admission';
import { chooseEngine } from './engine-choice';
import { errorCode, ServiceError } from './errors';
import { Transcription } from './transcription';

/** How the uploaded bytes are encoded. Raw L16 is big-endian per RFC 2586 unless said otherwise. */
export type UploadEncoding = 'wav' | 'l16-be' | 'l16-le' | 'mp3';

export interface RecognizeRequest {
  readonly userId: string;
  readonly bytes: Uint8Array;
  readonly encoding: UploadEncoding;
  readonly engine?: string | undefined;
  readonly language?: string | undefined;
}

export interface RecognizeResult {
  readonly sessionId: string;
  readonly engine: string;
  readonly language: string;
  readonly audioMs: number;
  readonly records: readonly TranscriptRecord[];
}

export interface FileRecognizer {
  recognize(request: RecognizeRequest): Promise<RecognizeResult>;
}

export interface FileRecognizerOptions {
  readonly engines: EngineRegistry;
  readonly repository: TranscriptRepository;
  readonly announce: (record: TranscriptRecord) => void;
  readonly logger: Logger;
  /** Longest audio an mp3 upload may decode to; default {@link MAX_UPLOAD_AUDIO_MS}. */
  readonly maxMp3AudioMs?: number;
  /**
   * The caps live sessions obey (an upload runs the same engines): it holds a slot from before its engine
   * stream is created until it is stored. Refused: 429 `LIMIT_SESSIONS` or 503 `ENGINE_BUSY`.
   */
  readonly admission?: Admission;
}

/** Bytes handed to the engine at once: 1 s of audio keeps the decoder busy without one giant call. */
const FEED_BYTES = 32_000;

/** Longest audio an mp3 upload may decode to (mp3 is ~10–30× smaller than the PCM it holds). */
export const MAX_UPLOAD_AUDIO_MS = 10 * 60_000;

/** mp3 bytes decoded at a time: ~16 s at 32 kbit/s, at most ~64 s (8 kbit/s). */
const MP3_SLICE_BYTES = 64 * 1024;

/**
 * @example
 * const { records } = await recognizer.recognize({ userId, bytes: wavFile, encoding: 'wav' });
 */
export function createFileRecognizer(options: FileRecognizerOptions): FileRecognizer {
  return {
    async recognize(request) {
      const pcm =
        request.encoding === 'mp3'
          ? await decodeMp3(request.bytes, options.maxMp3AudioMs ?? MAX_UPLOAD_AUDIO_MS)
          : decode(request.bytes, request.encoding);
      if (pcm.byteLength < 2) throw new ServiceError('EMPTY_AUDIO', 'the upload holds no audio samples');
      const choice = chooseEngine(options.engines, { engine: request.engine, language: request.language });
      const admitted = options.admission?.admit(request.userId);
      if (admitted && !admitted.ok) {
        const { code, message } = admitted.error;
        throw new ServiceError(code, message);
      }
      try {
        return await recognizeAdmitted(request, pcm, choice, () => admitted?.slot.started());
      } finally {
        admitted?.slot.release();
      }
    },
  };

  async function recognizeAdmitted(
    request: RecognizeRequest,
    pcm: Uint8Array,
    choice: ReturnType<typeof chooseEngine>,
    started: () => void,
  ): Promise<RecognizeResult> {
    const sessionId = randomUUID();
    let failure: (Error & { code?: string }) | undefined;
    let run: Transcription;
    try {
      run = await Transcription.open({
        engine: choice.engine,
        language: choice.language,
        // The whole recording is at hand: the engine decodes each utterance as a whole (decision 0052).
        purpose: 'file',
        userId: request.userId,
        sessionId,
        repository: options.repository,
        logger: options.logger,
        hooks: {
          onStored: (record) => options.announce(record),
          onFailure: (error) => {
            failure = error;
          },
        },
      });
    } catch (error) {
      const code = errorCode(error);
      if (code !== undefined && error instanceof Error)
        throw new ServiceError(code, error.message, { kind: 'unavailable' });
      throw error;
    } finally {
      started();
    }
    for (let offset = 0; offset < pcm.byteLength; offset += FEED_BYTES) {
      run.write(pcm.subarray(offset, offset + FEED_BYTES));
    }
    const records = await run.finish();
    const failed = failure as Error | undefined;
    if (failed) {
      options.logger.warn('recognize.failed', { sessionId, error: failed });
      throw new ServiceError(errorCode(failed) ?? 'ENGINE_FAILED', `recognition failed: ${failed.message}`, {
        kind: 'internal',
      });
    }
    options.logger.info('recognize.done', { sessionId, audioMs: run.audioMs, records: records.length });
    return {
      sessionId,
      engine: choice.engine.name,
      language: choice.language,
      audioMs: run.audioMs,
      records,
    };
  }
}

/** Whole mp3 file → 16 kHz PCM; not mp3 → 400 `MP3_INVALID`, too long → 413 `AUDIO_TOO_LONG`. */
async function decodeMp3(bytes: Uint8Array, maxAudioMs: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const maxBytes = maxAudioMs * 32;
  const tooLong = () =>
    new ServiceError(
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
    if (error instanceof AudioFormatError) throw new ServiceError(error.code, error.message);
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
    throw new ServiceError(code, error instanceof Error ? error.message : 'not a WAV file');
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
