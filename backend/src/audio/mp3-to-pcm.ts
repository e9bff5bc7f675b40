/**
 * @module mp3-to-pcm — a streaming decoding stage: mp3 bytes in (cut anywhere), 16 kHz mono 16-bit
 * little-endian PCM out, so speech engines keep receiving PCM only.
 *
 * Pieces: {@link MpegFrameSplitter} finds whole frames and rejects garbage; `mpg123-decoder` (libmpg123
 * in WASM, no system binary) decodes them; stereo is averaged to mono; `@alexanderolsen/libsamplerate-js`
 * (libsamplerate in WASM, `SRC_SINC_FASTEST`) resamples any other MPEG rate to 16 kHz. A 16 kHz stream —
 * what the app asks Alipay's recorder for — skips the resampler altogether.
 */
import * as libsamplerateModule from '@alexanderolsen/libsamplerate-js';
import { MPEGDecoder } from 'mpg123-decoder';
import { CodedError, toError } from '../errors';
import { AudioFormatError, type MpegFrameHeader, MpegFrameSplitter } from './mpeg-frames';

export { AudioFormatError } from './mpeg-frames';

/** The engines' rate. */
export const PCM_SAMPLE_RATE = 16_000;

// A webpack UMD bundle: Node's ESM loader exposes it as `default` only, bundlers also as named exports.
const libsamplerate =
  (libsamplerateModule as { default?: typeof libsamplerateModule }).default ?? libsamplerateModule;

type Resampler = Awaited<ReturnType<typeof libsamplerate.create>>;

export interface Mp3ToPcmOptions {
  /** Receives PCM in stream order (synchronously from `write`, or later while the resampler loads). */
  readonly onPcm: (pcm: Uint8Array) => void;
  /** Bytes without an MPEG frame tolerated before `MP3_INVALID` (default 8 KiB). */
  readonly maxJunkBytes?: number;
}

let liveStages = 0;

/** Frames in a row that libmpg123 could not decode before the stream counts as broken. */
const MAX_FAILED_FRAMES = 8;

/**
 * @example
 * const stage = await Mp3ToPcm.create({ onPcm: (pcm) => speech.write(pcm) });
 * stage.write(chunk); // throws AudioFormatError (code MP3_INVALID) on garbage
 * await stage.end();
 * stage.free();
 */
export class Mp3ToPcm {
  /** Stages created and not freed yet, in this process (each holds two WASM instances: leaks show here). */
  static get liveStages(): number {
    return liveStages;
  }

  /** Bytes of mp3 received. */
  bytesIn = 0;
  /** PCM bytes handed to `onPcm`. */
  bytesOut = 0;
  /**
   * 16 kHz PCM bytes the audio decoded so far amounts to, including audio still waiting for the
   * resampler: what limits check before that audio reaches `onPcm`.
   */
  decodedBytes = 0;

  private readonly splitter: MpegFrameSplitter;
  private readonly decoder: MPEGDecoder;
  private readonly onPcm: (pcm: Uint8Array) => void;
  private resampler: Resampler | undefined;
  /** Loading the resampler (async) once the stream's rate is known; decoded audio waits in `queued`. */
  private resamplerLoading: Promise<void> | undefined;
  private queued: Float32Array[] = [];
  private failure: Error | undefined;
  private failedFrames = 0;
  private freed = false;

  private constructor(decoder: MPEGDecoder, options: Mp3ToPcmOptions) {
    this.decoder = decoder;
    this.onPcm = options.onPcm;
    this.splitter = new MpegFrameSplitter(
      options.maxJunkBytes === undefined ? {} : { maxJunkBytes: options.maxJunkBytes },
    );
  }

  /** Loads the decoder (WASM instantiation, a few ms). */
  static async create(options: Mp3ToPcmOptions): Promise<Mp3ToPcm> {
    const decoder = new MPEGDecoder();
    await decoder.ready;
    liveStages += 1;
    return new Mp3ToPcm(decoder, options);
  }

  /** The stream's own format, once known. */
  get format(): MpegFrameHeader | undefined {
    return this.splitter.format;
  }

  /** Decodes what `bytes` completes. Throws `AudioFormatError` when the stream is not (or no longer) mp3. */
  write(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.freed || bytes.byteLength === 0) return;
    this.bytesIn += bytes.byteLength;
    try {
      this.decodeFrames(this.splitter.push(bytes));
    } catch (error) {
      this.failure = toError(error);
      throw this.failure;
    }
  }

  /** End of stream: decodes the last whole frames and waits for audio still waiting for the resampler. */
  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.freed) return;
    this.decodeFrames(this.splitter.end());
    await this.resamplerLoading;
    if (this.failure) throw this.failure;
  }

  /** Resolves once no decoded audio waits for the resampler any more (loaded or failed; at once if none). */
  async drained(): Promise<void> {
    await this.resamplerLoading;
  }

  /** Releases the WASM instances (idempotent). */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    liveStages -= 1;
    this.queued = [];
    this.decoder.free();
    this.resampler?.destroy();
    this.resampler = undefined;
  }

  private decodeFrames(frames: readonly { header: MpegFrameHeader; bytes: Uint8Array }[]): void {
    if (frames.length === 0) return;
    const decoded = quietly(() => this.decoder.decodeFrames(frames.map((frame) => frame.bytes)));
    if (decoded.errors.length > 0 && decoded.samplesDecoded === 0) {
      this.failedFrames += frames.length;
      if (this.failedFrames >= MAX_FAILED_FRAMES) {
        throw new AudioFormatError(
          'MP3_INVALID',
          `the mp3 frames cannot be decoded (${decoded.errors[0]?.message ?? 'decoder error'})`,
        );
      }
      return;
    }
    this.failedFrames = 0;
    if (decoded.samplesDecoded === 0) return;
    const mono = downmix(decoded.channelData, decoded.samplesDecoded);
    const rate = decoded.sampleRate || frames[0]!.header.sampleRate;
    this.decodedBytes += Math.round((decoded.samplesDecoded * PCM_SAMPLE_RATE) / rate) * 2;
    if (rate === PCM_SAMPLE_RATE) {
      this.emit(mono);
      return;
    }
    if (this.resampler) {
      this.emit(this.resampler.full(mono));
      return;
    }
    this.queued.push(mono);
    this.resamplerLoading ??= libsamplerate
      .create(1, rate, PCM_SAMPLE_RATE, { converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST })
      .then(
        (resampler) => {
          if (this.freed) {
            resampler.destroy();
            return;
          }
          this.resampler = resampler;
          const waiting = this.queued;
          this.queued = [];
          try {
            for (const block of waiting) this.emit(resampler.full(block));
          } catch (error) {
            // `onPcm` refused the audio (a limit): the next write or end() reports it.
            this.failure = toError(error);
          }
        },
        (error: unknown) => {
          this.failure = new CodedError('RESAMPLER_FAILED', `could not load the resampler: ${String(error)}`);
        },
      );
  }

  private emit(samples: Float32Array): void {
    if (samples.length === 0 || this.freed) return;
    const pcm = toS16le(samples);
    this.bytesOut += pcm.byteLength;
    this.onPcm(pcm);
  }
}

/** Average of the channels (mpg123-decoder always returns two; for mono streams they are equal). */
function downmix(channels: readonly Float32Array[], length: number): Float32Array {
  const left = channels[0]!;
  const right = channels[1];
  if (!right) return left.subarray(0, length);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (left[i]! + right[i]!) / 2;
  return out;
}

function toS16le(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    view.setInt16(i * 2, Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), true);
  }
  return out;
}

/**
 * mpg123-decoder reports each decode error with `console.error` besides returning it; a client sending
 * broken frames must not be able to flood the server's structured logs, so those lines are dropped here
 * (the errors still come back in the result and end the session above).
 */
function quietly<T>(decode: () => T): T {
  const original = console.error;
  console.error = () => undefined;
  try {
    return decode();
  } finally {
    console.error = original;
  }
}
