/**
 * @module engine — the one streaming interface every speech engine implements.
 *
 * A stream takes 16 kHz mono 16-bit little-endian PCM as it arrives and reports partial hypotheses while
 * someone speaks and a final one at each utterance end. Engines know nothing of Socket.IO, HTTP or storage.
 */
import type { SpeechErrorCode } from './errors';

/** Whether an engine can serve streams, and if not, what to do about it. */
export type EngineStatus =
  | { readonly ready: true }
  | { readonly ready: false; readonly code: SpeechErrorCode; readonly message: string };

/** A finished utterance as the engine sees it. */
export interface FinalHypothesis {
  readonly text: string;
  /** Position of the utterance in the stream's audio, in milliseconds. */
  readonly startMs: number;
  readonly endMs: number;
}

/** What a stream reports. Callbacks are never called after `close()` or after `flush()` resolved. */
export interface SpeechStreamListener {
  onPartial(text: string): void;
  onFinal(hypothesis: FinalHypothesis): void;
  /** The engine failed; the stream is unusable afterwards. */
  onError(error: Error): void;
}

/**
 * What a stream serves: `live` audio arrives as someone speaks (latency matters); `file` is a whole
 * recording at hand (an upload: decode for accuracy). Engines may tune for it; default `live`.
 */
export type SpeechPurpose = 'live' | 'file';

export interface SpeechStreamOptions {
  readonly sampleRate: number;
  readonly language?: string;
  readonly purpose?: SpeechPurpose;
}

/** One recognition stream (one voice session). */
export interface SpeechStream {
  /** Feed PCM bytes in arrival order; any length (an odd trailing byte is carried to the next chunk). */
  write(pcm: Uint8Array): void;
  /** End of audio: resolves after the last final hypothesis (if any) was delivered. */
  flush(): Promise<void>;
  /** Abort and release resources (idempotent). */
  close(): Promise<void>;
}

/** How a stream is created. */
export interface CreateStreamControl {
  /**
   * The caller no longer wants the stream (its client went away while it waited). An engine that queues
   * creations must not create it once this aborted: it rejects with an error whose `code` is `ABORTED`.
   */
  readonly signal?: AbortSignal;
}

/** A speech engine: a factory of streams. */
export interface SpeechEngine {
  readonly name: string;
  /** BCP 47 tags; the first is the default. */
  readonly languages: readonly string[];
  /**
   * Estimated resident memory of one live stream, in bytes (measured, e.g. with the server bench). The
   * server-wide session cap is derived from it and the instance's memory; undefined = small (a remote engine).
   */
  readonly streamMemoryBytes?: number;
  /** Share of a core one real-time stream keeps busy; undefined = negligible here (a remote engine). */
  readonly streamCpuCores?: number;
  status(): EngineStatus;
  createStream(
    options: SpeechStreamOptions,
    listener: SpeechStreamListener,
    control?: CreateStreamControl,
  ): Promise<SpeechStream>;
  /** Release everything (workers, native handles). */
  close(): Promise<void>;
}
