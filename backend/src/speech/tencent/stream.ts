/**
 * @module tencent/stream — one Tencent Cloud real-time ASR connection serving one speech stream.
 *
 * Audio goes out in 40 ms binary frames (1280 bytes at 16 kHz), paced by a token bucket: Tencent asks for
 * 1:1 real time and drops connections that send faster, while a burst (a reconnecting client flushing its
 * buffer, an uploaded file) must not be. The bucket refills at real time and holds at most `leadMs`, so a
 * pause never turns into a later burst. `flush()` sends what is left, then `{"type":"end"}`, and resolves
 * on `final: 1` — after the last utterance's final was delivered.
 *
 * Abort rules: a Tencent error code or a dropped connection fails the stream (`onError`) — Tencent's
 * recognition state lives in that one connection, so a new one could only start over and would repeat or
 * lose words. Retrying belongs to the handshake (see `openTencentSocket`), before any audio was sent.
 */
import WebSocket from 'ws';
import type { FinalHypothesis, SpeechStream, SpeechStreamListener } from '../engine';
import { SpeechError } from '../errors';
import { SampleAligner } from '../sample-aligner';
import { parseTencentMessage, TENCENT_END_MESSAGE, TencentError } from './protocol';

export interface TencentStreamTiming {
  /** Audio per frame (Tencent recommends 40 ms). */
  readonly packetMs: number;
  /** How far audio may run ahead of real time, in ms of audio. */
  readonly leadMs: number;
  /** Audio milliseconds released per wall-clock millisecond (1 = real time; tests may go faster). */
  readonly paceRate: number;
  /** Wait for `final: 1` after `{"type":"end"}` at most this long. */
  readonly finalTimeoutMs: number;
  /**
   * With no audio to send for this long, send one frame of silence (0 = never). Tencent may end a
   * connection after a 6 s gap and does after 15 s (4008); a paused recorder (app in background) must not.
   */
  readonly keepAliveMs: number;
  readonly sampleRate: number;
}

/**
 * Open a connection and wait for Tencent's handshake reply (`code: 0`). Rejects with a `TencentError` for
 * a non-zero code, `ENGINE_TIMEOUT` when nothing arrives in `timeoutMs`, `ENGINE_FAILED` when the socket
 * fails or closes first, `ENGINE_CLOSED` when `signal` aborts. The error's `retryable` says whether a
 * second attempt may succeed.
 *
 * @example
 * const socket = await openTencentSocket(url, 10_000);
 */
export function openTencentSocket(url: string, timeoutMs: number, signal?: AbortSignal): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new SpeechError('ENGINE_CLOSED', 'The Tencent engine is closed.'));
      return;
    }
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    let settled = false;
    const onAbort = () => finish(new SpeechError('ENGINE_CLOSED', 'The Tencent engine is closed.'));
    const finish = (error: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('message', onMessage);
      socket.off('close', onClose);
      socket.off('error', onError);
      if (error) {
        socket.on('error', () => undefined); // terminate() may still emit one
        socket.terminate();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
      const message = isBinary ? undefined : parseTencentMessage(data.toString());
      if (!message) {
        finish(retryable('ENGINE_FAILED', 'Tencent ASR sent an unexpected handshake reply.'));
      } else if (message.code !== 0) {
        finish(new TencentError(message.code, message.message));
      } else {
        finish(undefined);
      }
    };
    const onClose = (code: number) => {
      finish(retryable('ENGINE_FAILED', `Tencent ASR closed the connection during the handshake (${code}).`));
    };
    const onError = (error: Error) => {
      finish(retryable('ENGINE_FAILED', `Tencent ASR cannot be reached: ${error.message}`));
    };
    const timer = setTimeout(() => {
      finish(retryable('ENGINE_TIMEOUT', `Tencent ASR did not answer the handshake within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.on('message', onMessage);
    socket.on('close', onClose);
    socket.on('error', onError);
    // The engine closing mid-handshake ends the attempt at once instead of leaving a socket behind.
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A `SpeechError` marked as worth a second connection attempt. */
function retryable(code: 'ENGINE_FAILED' | 'ENGINE_TIMEOUT', message: string): SpeechError {
  return Object.assign(new SpeechError(code, message), { retryable: true });
}

/** A `SpeechStream` over one open, handshaken Tencent connection. */
export class TencentStream implements SpeechStream {
  private readonly packetBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly samples = new SampleAligner();
  /** Audio (ms) the bucket allows to send now. */
  private tokensMs: number;
  private refilledAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  /** `true` once no more callbacks may run. */
  private stopped = false;
  private flushing: Promise<void> | null = null;
  private endSent = false;
  private finishFlush: (() => void) | undefined;
  private lastPartial = '';
  private readonly finalized = new Set<number>();
  private keepAlive: NodeJS.Timeout | undefined;
  /** Audio sent so far on Tencent's timeline (ours plus keep-alive silence), in ms. */
  private sentMs = 0;
  /** Keep-alive silence inserted: at which point of Tencent's timeline, and how long. */
  private readonly inserted: { readonly atMs: number; readonly ms: number }[] = [];
  /** Audio bytes sent so far (for the benchmark and tests). */
  sentBytes = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly listener: SpeechStreamListener,
    private readonly timing: TencentStreamTiming,
    private readonly onFailure: (error: SpeechError) => void = () => undefined,
  ) {
    this.packetBytes = Math.round((timing.sampleRate * 2 * timing.packetMs) / 1000);
    this.tokensMs = timing.leadMs;
    this.armKeepAlive();
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    socket.on('close', (code) => {
      this.fail(
        new SpeechError(
          'ENGINE_FAILED',
          `Tencent ASR closed the connection before recognition finished (${code}).`,
        ),
      );
    });
    socket.on('error', (error) => {
      this.fail(new SpeechError('ENGINE_FAILED', `Tencent ASR connection failed: ${error.message}`));
    });
  }

  write(pcm: Uint8Array): void {
    if (this.stopped || this.flushing || pcm.length === 0) return;
    const samples = this.samples.take(pcm);
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.length);
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.pump();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.stopped) return Promise.resolve();
    this.samples.reset();
    this.flushing = new Promise<void>((resolve) => {
      this.finishFlush = resolve;
    });
    this.pump();
    return this.flushing;
  }

  close(): Promise<void> {
    // A flush still waiting for `final: 1` resolves too: close() may come from a shutdown mid-flush.
    const done = this.finishFlush;
    this.stop();
    done?.();
    return Promise.resolve();
  }

  /** Sends as many frames as the bucket allows; schedules itself for the rest. */
  private pump(): void {
    if (this.stopped || this.timer) return;
    const now = performance.now();
    const { packetMs, leadMs, paceRate } = this.timing;
    // The bucket holds at least one frame, or a lead below 40 ms would never send anything.
    this.tokensMs = Math.min(Math.max(leadMs, packetMs), this.tokensMs + (now - this.refilledAt) * paceRate);
    this.refilledAt = now;
    while (this.pendingBytes > 0 && this.socket.readyState === WebSocket.OPEN) {
      const size = Math.min(this.packetBytes, this.pendingBytes);
      // A short frame only at the very end: Tencent expects whole 40 ms frames while audio still flows.
      if (size < this.packetBytes && !this.flushing) break;
      const frameMs = (size / this.packetBytes) * packetMs;
      if (this.tokensMs < frameMs) {
        const waitMs = Math.ceil((frameMs - this.tokensMs) / paceRate);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, waitMs);
        return;
      }
      this.tokensMs -= frameMs;
      const frame = this.take(size);
      this.socket.send(frame);
      this.sentBytes += frame.length;
      this.sentMs += frameMs;
      this.armKeepAlive();
    }
    if (
      this.flushing &&
      this.pendingBytes === 0 &&
      !this.endSent &&
      this.socket.readyState === WebSocket.OPEN
    ) {
      this.endSent = true;
      this.socket.send(TENCENT_END_MESSAGE);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.fail(
          new SpeechError(
            'ENGINE_TIMEOUT',
            `Tencent ASR did not finish within ${this.timing.finalTimeoutMs} ms after the end of audio.`,
          ),
        );
      }, this.timing.finalTimeoutMs);
    }
  }

  private armKeepAlive(): void {
    clearTimeout(this.keepAlive);
    if (this.timing.keepAliveMs <= 0 || this.stopped || this.flushing) return;
    this.keepAlive = setTimeout(() => {
      if (this.stopped || this.flushing || this.socket.readyState !== WebSocket.OPEN) return;
      if (this.timer === undefined && this.pendingBytes > 0) {
        // Only a partial frame waits (the pump holds those for more audio): it is audio, send it as is.
        const frame = this.take(this.pendingBytes);
        this.socket.send(frame);
        this.sentBytes += frame.length;
        this.sentMs += (frame.length / this.packetBytes) * this.timing.packetMs;
      } else if (this.pendingBytes === 0) {
        this.socket.send(Buffer.alloc(this.packetBytes));
        this.inserted.push({ atMs: this.sentMs, ms: this.timing.packetMs });
        this.sentMs += this.timing.packetMs;
      }
      this.armKeepAlive();
    }, this.timing.keepAliveMs);
  }

  /** A time on Tencent's timeline as a position in the audio we were given (keep-alive silence removed). */
  private ourMs(tencentMs: number): number {
    let shift = 0;
    for (const gap of this.inserted) {
      if (gap.atMs >= tencentMs) break;
      shift += Math.min(gap.ms, tencentMs - gap.atMs);
    }
    return Math.max(0, Math.round(tencentMs - shift));
  }

  private take(size: number): Buffer {
    const frame = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const head = this.pending[0]!;
      const n = Math.min(size - filled, head.length);
      head.copy(frame, filled, 0, n);
      filled += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingBytes -= size;
    return frame;
  }

  private onMessage(text: string): void {
    if (this.stopped) return;
    const message = parseTencentMessage(text);
    if (!message) {
      this.fail(new SpeechError('ENGINE_FAILED', 'Tencent ASR sent a message that is not JSON with a code.'));
      return;
    }
    if (message.code !== 0) {
      this.fail(new TencentError(message.code, message.message));
      return;
    }
    const result = message.result;
    if (result) {
      const text = result.voice_text_str.trim();
      if (result.slice_type === 2) {
        // Tencent may repeat an utterance's end; a final is final once.
        if (!this.finalized.has(result.index)) {
          this.finalized.add(result.index);
          this.lastPartial = '';
          if (text !== '') {
            const final: FinalHypothesis = {
              text,
              startMs: this.ourMs(result.start_time),
              endMs: this.ourMs(result.end_time),
            };
            this.listener.onFinal(final);
          }
        }
      } else if (text !== '' && text !== this.lastPartial && !this.finalized.has(result.index)) {
        this.lastPartial = text;
        this.listener.onPartial(text);
      }
    }
    if (message.final === 1) {
      if (!this.endSent) {
        // Tencent ends a stream only after our end message; anything else would silently drop later audio.
        this.fail(new SpeechError('ENGINE_FAILED', 'Tencent ASR ended the stream before the end of audio.'));
        return;
      }
      const done = this.finishFlush;
      this.stop();
      done?.();
    }
  }

  private fail(error: SpeechError): void {
    if (this.stopped) return;
    const done = this.finishFlush;
    this.stop();
    this.onFailure(error);
    this.listener.onError(error);
    // flush() resolves after a failure too: the error was reported through onError.
    done?.();
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finishFlush = undefined;
    clearTimeout(this.timer);
    clearTimeout(this.keepAlive);
    this.timer = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.removeAllListeners('close');
    this.socket.on('error', () => undefined);
    if (this.socket.readyState === WebSocket.OPEN) this.socket.close(1000);
    else this.socket.terminate();
  }
}
