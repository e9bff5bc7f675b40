/**
 * @module recognize-file — recognition of an uploaded recording through the same pipeline as a live
 * session (same engine streams, same storing and announcing), as fast as the engine goes.
 *
 * The bytes become 16 kHz PCM first (`audio/upload-to-pcm`), before any engine work, so a bad file costs
 * nothing.
 */
import { randomUUID } from 'node:crypto';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { UploadAudioError, type UploadEncoding, uploadToPcm } from '../../audio/upload-to-pcm';
import type { TranscriptRepository } from '../../db/transcript-repository';
import type { Logger } from '../../log';
import type { EngineRegistry } from '../../speech';
import { errorCode, ServiceError } from '../errors';
import type { Admission } from './admission';
import { chooseEngine } from './engine-choice';
import { Transcription } from './transcription';

export type { UploadEncoding } from '../../audio/upload-to-pcm';

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

/**
 * @example
 * const { records } = await recognizer.recognize({ userId, bytes: wavFile, encoding: 'wav' });
 */
export function createFileRecognizer(options: FileRecognizerOptions): FileRecognizer {
  return {
    async recognize(request) {
      const pcm = await decodeUpload(request);
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

  async function decodeUpload(request: RecognizeRequest): Promise<Uint8Array> {
    try {
      return await uploadToPcm(request.bytes, request.encoding, options.maxMp3AudioMs ?? MAX_UPLOAD_AUDIO_MS);
    } catch (error) {
      if (error instanceof UploadAudioError) throw new ServiceError(error.code, error.message);
      throw error;
    }
  }

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
