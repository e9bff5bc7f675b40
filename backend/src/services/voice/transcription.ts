/**
 * @module transcription — one recognition run, shared by live voice sessions and uploaded files: feed PCM
 * to a speech stream, turn each final hypothesis into a `TranscriptRecord`, store it, and only then
 * announce it. What the run tells its owner goes through one queue, in the order the engine reported it:
 * a partial never overtakes the result of the utterance before it (that waits for its insert), and a
 * failure is reported only after every final the engine finished before it was stored and announced.
 *
 * Audio arrives as 16 kHz PCM or as an mp3 byte stream (`format`); mp3 passes through the decoding stage
 * (`audio/mp3-to-pcm`) first, so engines only ever see PCM. A stream that is not mp3 fails the run with
 * `MP3_INVALID`, like an engine failure.
 */
import { randomUUID } from 'node:crypto';
import type { AudioFormat, TranscriptRecord } from '@realtime-voice/shared/voice';
import { Mp3ToPcm } from '../../audio/mp3-to-pcm';
import type { TranscriptRepository } from '../../db/transcript-repository';
import { CodedError, toError } from '../../errors';
import { createLogger, type Logger } from '../../log';
import type { FinalHypothesis, SpeechEngine, SpeechPurpose, SpeechStream } from '../../speech';

/** 16 kHz × 16-bit mono. */
export const BYTES_PER_MS = 32;

/**
 * What the run tells its owner. A hook that throws is logged (`transcription.hook_failed`) and otherwise
 * ignored: it never stops later records from being stored and announced, nor makes `finish()` reject.
 */
export interface TranscriptionHooks {
  /** Hypothesis while speaking (not stored); called after the results the engine finished before it. */
  onPartial?(text: string): void;
  /** A record was stored (called in order, after the insert resolved). */
  onStored?(record: TranscriptRecord): void;
  /**
   * The engine or the database failed; the run takes no more audio. Called once the finals the engine
   * finished before the failure were stored (and `onStored` called); `finish()` still returns them.
   */
  onFailure?(error: Error): void;
  /**
   * The decoded audio reached `maxPcmBytes` (`LIMIT_BYTES`): further audio is dropped, and `finish()`
   * still flushes what was heard. Without this hook the limit is a failure.
   */
  onLimit?(error: CodedError<'LIMIT_BYTES'>): void;
}

export interface TranscriptionOptions {
  readonly engine: SpeechEngine;
  readonly language: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly repository: TranscriptRepository;
  readonly hooks: TranscriptionHooks;
  readonly now?: () => number;
  /** A whole recording (an upload) or live audio; engines may decode a file for accuracy. Default `live`. */
  readonly purpose?: SpeechPurpose;
  /** What `write` receives; default `pcm16le`. */
  readonly format?: AudioFormat;
  /**
   * Most decoded audio (16 kHz PCM bytes) the run takes; more fails it with `LIMIT_BYTES`. Bounds mp3
   * sessions by audio length, not by their (~10× smaller) compressed size.
   */
  readonly maxPcmBytes?: number;
  /** Where a throwing hook is reported (default: a logger on stdout, like the server's). */
  readonly logger?: Logger;
  /** The owner went away while the stream was queued: it is not created (`open` rejects `ABORTED`). */
  readonly signal?: AbortSignal;
}

/**
 * @example
 * const run = await Transcription.open({ engine, language: 'en-US', userId, sessionId, repository, hooks });
 * run.write(pcm);
 * const records = await run.finish();
 */
export class Transcription {
  readonly sessionId: string;
  /** Records stored so far, in order. */
  readonly records: TranscriptRecord[] = [];
  /** PCM bytes written so far (after decoding, for mp3). */
  bytes = 0;
  /** Bytes received by `write` (compressed, for mp3). */
  receivedBytes = 0;

  private stream: SpeechStream | undefined;
  private decoder: Mp3ToPcm | undefined;
  private readonly options: TranscriptionOptions;
  private readonly now: () => number;
  /** The last record's time: finals of one run get increasing times (an upload stores many per millisecond). */
  private lastCreatedAt = 0;
  private readonly logger: Logger;
  /** Arrival time of each written chunk, keyed by its end position in ms; pruned as finals pass it. */
  private arrivals: { endMs: number; at: number }[] = [];
  /** The hooks' queue (inserts, partials, the failure), in engine order; its steps never reject. */
  private queue: Promise<void> = Promise.resolve();
  /** No more audio or hypotheses are taken; set at once when a failure happens. */
  private failed = false;
  /** An insert failed: later finals are not stored either (they would leave a gap in the order). */
  private storageFailed = false;
  private closed = false;
  private limited = false;

  private constructor(options: TranscriptionOptions) {
    this.options = options;
    this.sessionId = options.sessionId;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? createLogger();
  }

  /** Creates the engine stream (may take a few hundred ms: decoders are created one at a time). */
  static async open(options: TranscriptionOptions): Promise<Transcription> {
    const run = new Transcription(options);
    if (options.format === 'mp3') run.decoder = await Mp3ToPcm.create({ onPcm: (pcm) => run.writePcm(pcm) });
    run.stream = await options.engine
      .createStream(
        { sampleRate: 16_000, language: options.language, purpose: options.purpose ?? 'live' },
        {
          onPartial: (text) => {
            if (!run.closed && !run.failed && text.trim() !== '') {
              run.enqueue(() => run.callHook('onPartial', () => options.hooks.onPartial?.(text)));
            }
          },
          onFinal: (hypothesis) => run.acceptFinal(hypothesis),
          onError: (error) => run.fail(error),
        },
        options.signal ? { signal: options.signal } : undefined,
      )
      .catch((error: unknown) => {
        run.decoder?.free();
        throw error;
      });
    return run;
  }

  get audioMs(): number {
    return Math.floor(this.bytes / BYTES_PER_MS);
  }

  /** Feeds audio in arrival order, in the run's format. */
  write(audio: Uint8Array): void {
    if (this.closed || this.failed || this.limited || !this.stream || audio.byteLength === 0) return;
    this.receivedBytes += audio.byteLength;
    if (!this.decoder) {
      this.writePcm(audio);
      return;
    }
    try {
      this.decoder.write(audio);
    } catch (error) {
      this.fail(toError(error));
      return;
    }
    // Decoded audio still waiting for the resampler counts as well: the limit also bounds that queue.
    const max = this.options.maxPcmBytes;
    if (max !== undefined && this.decoder.decodedBytes > max) this.reachLimit(max);
  }

  /**
   * Feeds 16 kHz PCM to the engine, up to `maxPcmBytes`: the part beyond is dropped and the limit reported
   * once. Audio decoded before the limit was reached still goes in (also after it was reported).
   */
  private writePcm(pcm: Uint8Array): void {
    if (this.closed || this.failed || !this.stream || pcm.byteLength === 0) return;
    const max = this.options.maxPcmBytes;
    let audio = pcm;
    if (max !== undefined && this.bytes + pcm.byteLength > max) {
      const room = Math.max(0, max - this.bytes);
      audio = pcm.subarray(0, room - (room % 2));
      this.reachLimit(max);
      if (audio.byteLength === 0 || this.failed) return;
    }
    this.bytes += audio.byteLength;
    this.arrivals.push({ endMs: this.bytes / BYTES_PER_MS, at: this.now() });
    this.stream.write(audio);
  }

  private reachLimit(max: number): void {
    if (this.limited) return;
    this.limited = true;
    const error = new CodedError(
      'LIMIT_BYTES',
      `more than ${max} bytes of decoded 16 kHz audio (the limit per session)`,
    );
    const { onLimit } = this.options.hooks;
    if (onLimit) this.callHook('onLimit', () => onLimit(error));
    else this.fail(error);
  }

  /** Ends the audio: waits for the last final and for every record to be stored, then releases the stream. */
  async finish(): Promise<TranscriptRecord[]> {
    if (!this.closed && !this.failed && this.stream) {
      try {
        // The decoder's last frames (and audio waiting for the resampler) go to the engine before its flush.
        await this.decoder?.end();
      } catch (error) {
        this.fail(toError(error));
      }
    }
    if (!this.closed && !this.failed && this.stream) {
      try {
        await this.stream.flush();
      } catch (error) {
        this.fail(toError(error));
      }
    }
    await this.drain();
    await this.close();
    return this.records;
  }

  /** Abort without flushing (finals already stored stay stored). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.decoder?.free();
    await this.stream?.close().catch(() => undefined);
  }

  /** Strictly increasing: history sorts by time, and ties would fall back to the random ids' order. */
  private nextCreatedAt(): number {
    this.lastCreatedAt = Math.max(this.now(), this.lastCreatedAt + 1);
    return this.lastCreatedAt;
  }

  private acceptFinal(hypothesis: FinalHypothesis): void {
    if (this.closed || this.failed) return;
    const text = hypothesis.text.trim();
    if (text === '') return; // noise the engine heard as an utterance without words
    const latencyMs = this.latencyFor(hypothesis.endMs);
    const record: TranscriptRecord = {
      id: randomUUID(),
      userId: this.options.userId,
      sessionId: this.sessionId,
      text,
      language: this.options.language,
      engine: this.options.engine.name,
      audioMs: Math.max(0, Math.round(hypothesis.endMs - hypothesis.startMs)),
      latencyMs,
      createdAt: new Date(this.nextCreatedAt()).toISOString(),
    };
    // The queue keeps inserts and announcements in engine order even if the database is asynchronous. A
    // final accepted before an engine failure is still stored: the failure is reported after it.
    this.enqueue(async () => {
      if (this.storageFailed) return;
      try {
        await this.options.repository.insert(record);
      } catch (error) {
        this.storageFailed = true;
        this.fail(new CodedError('STORAGE_FAILED', 'could not store a result', { cause: error }));
        return;
      }
      this.records.push(record);
      // Contained: a throw here would reject the queue, skip every later step and reject `finish()`.
      this.callHook('onStored', () => this.options.hooks.onStored?.(record), { recordId: record.id });
    });
  }

  /** Time from the utterance's last audio reaching the server to now. */
  private latencyFor(endMs: number): number {
    const index = this.arrivals.findIndex((arrival) => arrival.endMs >= endMs);
    const arrival = index >= 0 ? this.arrivals[index] : this.arrivals.at(-1);
    // Entries before the utterance end are no longer needed: finals come in stream order.
    if (index > 0) this.arrivals = this.arrivals.slice(index);
    return arrival ? Math.max(0, Math.round(this.now() - arrival.at)) : 0;
  }

  private fail(error: Error): void {
    if (this.failed || this.closed) return;
    this.failed = true;
    // Behind what the engine reported before the failure: its results reach the owner first.
    this.enqueue(() => this.callHook('onFailure', () => this.options.hooks.onFailure?.(error)));
  }

  /** Appends a step to the hooks' queue. Steps never reject (inserts catch, hooks are contained). */
  private enqueue(step: () => void | Promise<void>): void {
    this.queue = this.queue.then(step);
  }

  /** Waits until the queue is empty, including steps added while waiting (a failure's report). */
  private async drain(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  /** Runs a hook; what it throws is logged, never passed on to the engine, the store chain or `finish()`. */
  private callHook(
    hook: keyof TranscriptionHooks,
    call: () => void,
    fields: Record<string, unknown> = {},
  ): void {
    try {
      call();
    } catch (error) {
      this.logger.error('transcription.hook_failed', {
        sessionId: this.sessionId,
        hook,
        ...fields,
        error: toError(error),
      });
    }
  }
}
