/**
 * @module stream — one pocketsphinx decoder serving one speech stream (one voice session).
 *
 * Bytes from `write()` are copied into a pending queue and a single "pump" feeds them to the decoder in
 * batches of at most `MAX_BATCH_MS` of audio, one native call at a time. That one pump is the per-stream
 * serialization a decoder needs (it is not thread-safe), and bounding the batch keeps utterance boundaries
 * exact (the voice-activity detector flips only between calls) and big writes — a whole uploaded file —
 * from becoming one long native call.
 *
 * Utterances follow pocketsphinx's own voice-activity detector: `ps_get_in_speech` rising starts one,
 * falling (after about `vadPostSpeechMs` of silence) ends it with a final hypothesis, and the decoder goes
 * straight on with the next utterance.
 */

import { errorMessage } from '../../errors';
import type { FinalHypothesis, SpeechStream, SpeechStreamListener } from '../engine';
import { SpeechError } from '../errors';
import { SampleAligner } from '../sample-aligner';
import type { ReleaseState } from './decoder-pool';
import type { DecoderHandle, PocketsphinxNative } from './native';

/** One decoded batch, for metrics and the capacity benchmark. */
export interface DecodeSample {
  /** Process-unique id of the stream. */
  readonly streamId: number;
  /** Audio position after this batch, in milliseconds from the stream's start. */
  readonly audioEndMs: number;
  /** Audio in this batch, in milliseconds. */
  readonly batchMs: number;
  /**
   * Wall time from the `write()` of the batch's newest bytes to the end of its decoding (including any
   * partial hypothesis it produced): how far this stream lags behind the audio it was given.
   */
  readonly lagMs: number;
  /** Wall time spent in native calls for this batch (threadpool time, including CPU contention). */
  readonly decodeMs: number;
}

export interface StreamSettings {
  readonly sampleRate: number;
  /** Minimum audio between two partial-hypothesis lookups. */
  readonly partialIntervalMs: number;
  /** The detector's hangover after speech (`-vad_postspeech`), used to place an utterance's end. */
  readonly vadPostSpeechMs: number;
  /**
   * Uploads: decode each utterance the detector found once more as a whole (`full_utt`), so cepstral mean
   * normalisation uses the utterance's own mean rather than the running estimate live audio must use
   * (decision 0052). Costs a second decoding pass; finals only, partials stay live.
   */
  readonly wholeUtterances?: boolean;
  readonly onDecode?: (sample: DecodeSample) => void;
}

/** At 100 ms a batch's native call takes a few ms, and a speech start/stop cannot both fall inside one. */
const MAX_BATCH_MS = 100;
/** The detector needs about this much speech before `in_speech` rises; the utterance began that early. */
const VAD_START_MS = 100;

interface PendingChunk {
  readonly bytes: Uint8Array;
  offset: number;
  readonly writtenAt: number;
}

let nextStreamId = 1;

/**
 * A `SpeechStream` over one decoder lent by the engine's pool with an utterance started; at the end the
 * decoder goes back through `giveBack` (the pool resets and reuses it, or frees it after a failure).
 */
export class PocketsphinxStream implements SpeechStream {
  readonly id = nextStreamId++;
  private readonly maxBatchSamples: number;
  private readonly pending: PendingChunk[] = [];
  private readonly samples = new SampleAligner();
  /** `true` once no more callbacks may run: after close, a failure, or a finished flush. */
  private stopped = false;
  private flushing: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  private releasing: Promise<void> | null = null;
  private pumping: Promise<void> | null = null;
  private decoder: DecoderHandle | null;
  private samplesDone = 0;
  private speaking = false;
  private utteranceStartMs = 0;
  private lastUtteranceEndMs = 0;
  private lastPartial = '';
  private lastPartialCheckMs = 0;
  /** The decoder has an utterance started (it must be ended before the decoder serves another stream). */
  private inUtterance = true;
  /** A native call failed: the decoder's state is unknown and it must not be reused. */
  private broken = false;
  /** With `wholeUtterances`: the samples since the last utterance ended, for its whole-utterance pass. */
  private heard: Int16Array[] = [];

  constructor(
    private readonly native: PocketsphinxNative,
    decoder: DecoderHandle,
    private readonly listener: SpeechStreamListener,
    private readonly settings: StreamSettings,
    private readonly giveBack: (state: ReleaseState) => Promise<void>,
  ) {
    this.decoder = decoder;
    this.maxBatchSamples = Math.round((settings.sampleRate * MAX_BATCH_MS) / 1000);
  }

  write(pcm: Uint8Array): void {
    // Writes after flush/close are dropped, not thrown: the session layer owns "audio after stop" errors,
    // and a throw here would surface inside a socket handler.
    if (this.stopped || this.flushing || pcm.length === 0) return;
    const bytes = this.samples.take(pcm);
    if (bytes.length > 0) {
      this.pending.push({ bytes, offset: 0, writtenAt: performance.now() });
      this.kick();
    }
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.stopped) return this.closing ?? Promise.resolve();
    this.samples.reset();
    this.flushing = this.runFlush();
    return this.flushing;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.stopped = true;
    this.pending.length = 0;
    this.closing = (async () => {
      // A native call may be in flight on the threadpool; the decoder is freed only after it returns.
      await this.idle();
      await this.flushing;
      await this.release();
    })();
    return this.closing;
  }

  private async runFlush(): Promise<void> {
    try {
      await this.idle();
      if (this.stopped || !this.decoder) return;
      await this.finishUtterance(this.decoder, false);
      this.stopped = true;
    } catch (error) {
      this.fail(error);
    }
    await this.release();
  }

  /** Resolves when the pump has nothing left to do. */
  private async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      // Bytes written while the last batch's promise settled still need a pump.
      if (this.pending.length > 0) this.kick();
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.stopped && this.decoder) {
        const decoder = this.decoder;
        const { samples, writtenAt } = this.take();
        const started = performance.now();
        const searched = await this.native.processRaw(decoder, samples);
        if (this.stopped) return;
        if (searched < 0) throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to process audio.');
        this.samplesDone += samples.length;
        if (this.settings.wholeUtterances) this.heard.push(samples);
        const positionMs = this.msOf(this.samplesDone);
        const batchMs = this.msOf(samples.length);
        const inSpeech = this.native.inSpeech(decoder);
        if (inSpeech && !this.speaking) {
          this.speaking = true;
          this.utteranceStartMs = Math.max(this.lastUtteranceEndMs, positionMs - batchMs - VAD_START_MS);
          this.lastPartialCheckMs = positionMs;
        } else if (!inSpeech && this.speaking) {
          await this.finishUtterance(decoder, true);
          if (this.stopped) return;
        } else if (inSpeech && positionMs - this.lastPartialCheckMs >= this.settings.partialIntervalMs) {
          this.lastPartialCheckMs = positionMs;
          const hyp = await this.native.getHyp(decoder);
          if (this.stopped) return;
          const text = hyp?.trim() ?? '';
          // Only changes are news; an empty hypothesis early in an utterance is no partial.
          if (text !== '' && text !== this.lastPartial) {
            this.lastPartial = text;
            this.listener.onPartial(text);
          }
        }
        const finished = performance.now();
        this.settings.onDecode?.({
          streamId: this.id,
          audioEndMs: positionMs,
          batchMs,
          lagMs: finished - writtenAt,
          decodeMs: finished - started,
        });
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Ends the decoder's utterance, reports its final, and (when `restart`) starts the next one. */
  private async finishUtterance(decoder: DecoderHandle, restart: boolean): Promise<void> {
    const positionMs = this.msOf(this.samplesDone);
    this.inUtterance = false;
    if ((await this.native.endUtt(decoder)) < 0) {
      throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to end an utterance.');
    }
    const hyp = this.settings.wholeUtterances
      ? await this.decodeWhole(decoder)
      : await this.native.getHyp(decoder);
    if (this.stopped) return;
    const text = hyp?.trim() ?? '';
    // The detector reports the end only after its hangover of silence; the speech ended that much earlier.
    // At a flush (`stop`) it heard no hangover: the speech runs up to now.
    const endMs =
      this.speaking && restart
        ? Math.max(this.utteranceStartMs, positionMs - this.settings.vadPostSpeechMs)
        : positionMs;
    const startMs = this.speaking ? this.utteranceStartMs : this.lastUtteranceEndMs;
    this.speaking = false;
    this.lastPartial = '';
    this.lastUtteranceEndMs = endMs;
    if (text !== '') {
      const final: FinalHypothesis = { text, startMs, endMs };
      this.listener.onFinal(final);
    }
    if (restart && !this.stopped) {
      if ((await this.native.startUtt(decoder)) < 0) {
        throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to start an utterance.');
      }
      this.inUtterance = true;
    }
  }

  /** Decodes the samples heard since the last utterance as one utterance; its hypothesis. */
  private async decodeWhole(decoder: DecoderHandle): Promise<string | null> {
    const parts = this.heard;
    this.heard = [];
    const audio = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
    if (audio.length === 0) return null;
    let at = 0;
    for (const part of parts) {
      audio.set(part, at);
      at += part.length;
    }
    if (
      (await this.native.startUtt(decoder)) < 0 ||
      (await this.native.processFullUtterance(decoder, audio)) < 0 ||
      (await this.native.endUtt(decoder)) < 0
    ) {
      throw new SpeechError('ENGINE_FAILED', 'pocketsphinx failed to decode an utterance as a whole.');
    }
    return this.native.getHyp(decoder);
  }

  /** Takes up to one batch of pending audio as aligned 16-bit samples. */
  private take(): { samples: Int16Array; writtenAt: number } {
    let available = 0;
    for (const chunk of this.pending) {
      available += chunk.bytes.length - chunk.offset;
      if (available >= this.maxBatchSamples * 2) break;
    }
    const samples = new Int16Array(Math.min(available, this.maxBatchSamples * 2) / 2);
    // A byte view of a fresh Int16Array: copying bytes in is a little-endian reinterpretation, which is
    // what the wire format is on the little-endian hosts this runs on (x86-64, arm64).
    const target = new Uint8Array(samples.buffer);
    let filled = 0;
    let writtenAt = 0;
    while (filled < target.length) {
      const chunk = this.pending[0]!;
      const n = Math.min(target.length - filled, chunk.bytes.length - chunk.offset);
      target.set(chunk.bytes.subarray(chunk.offset, chunk.offset + n), filled);
      filled += n;
      chunk.offset += n;
      writtenAt = chunk.writtenAt;
      if (chunk.offset === chunk.bytes.length) this.pending.shift();
    }
    return { samples, writtenAt };
  }

  private msOf(samples: number): number {
    return (samples * 1000) / this.settings.sampleRate;
  }

  private fail(error: unknown): void {
    // Whatever threw (a native call or its callback), the decoder is not handed to another stream.
    this.broken = true;
    if (this.stopped) return;
    this.stopped = true;
    this.pending.length = 0;
    const failure =
      error instanceof SpeechError
        ? error
        : new SpeechError('ENGINE_FAILED', `pocketsphinx failed: ${errorMessage(error)}`, {
            cause: error,
          });
    this.listener.onError(failure);
    // Freeing waits for the caller to finish (fail runs inside the pump or a flush).
    queueMicrotask(() => {
      void this.idle().then(() => this.release());
    });
  }

  private release(): Promise<void> {
    this.releasing ??= (async () => {
      const decoder = this.decoder;
      this.decoder = null;
      if (decoder) await this.giveBack({ reusable: !this.broken, inUtterance: this.inUtterance });
    })();
    return this.releasing;
  }
}
