/**
 * @module fake-engine — a deterministic speech engine for tests that are about the server, not about
 * recognition: loud samples (|x| ≥ 1000) are "speech", 300 ms of quiet ends an utterance. Partials report
 * the speech heard so far; a final is `utterance <n>`. Callbacks are asynchronous like a real engine's.
 */
import type { SpeechEngine, SpeechStream, SpeechStreamListener } from '../../src/speech';

export interface FakeEngineOptions {
  readonly name?: string;
  readonly languages?: readonly string[];
  /** Not ready: `status()` reports this and `createStream` rejects with ENGINE_UNAVAILABLE. */
  readonly unavailable?: string;
  /** Delay of `createStream` (decoder creation) in ms. */
  readonly createDelayMs?: number;
  /** Fail the stream (onError) once this many bytes were written. */
  readonly failAfterBytes?: number;
  /** `flush()` (a `stop`) resolves only after this does: a stop the test holds open. */
  readonly flushGate?: Promise<void>;
}

const LOUD = 1000;
const END_SILENCE_MS = 300;
const PARTIAL_EVERY_MS = 100;

export interface FakeEngine extends SpeechEngine {
  /** Streams created and not yet closed. */
  readonly openStreams: number;
  readonly createdStreams: number;
}

export function createFakeEngine(options: FakeEngineOptions = {}): FakeEngine {
  let open = 0;
  let created = 0;
  const engine: FakeEngine = {
    name: options.name ?? 'fake',
    languages: options.languages ?? ['en-US'],
    get openStreams() {
      return open;
    },
    get createdStreams() {
      return created;
    },
    status: () =>
      options.unavailable
        ? { ready: false, code: 'ENGINE_UNAVAILABLE', message: options.unavailable }
        : { ready: true },
    async createStream(streamOptions, listener) {
      if (options.unavailable) {
        throw Object.assign(new Error(options.unavailable), { code: 'ENGINE_UNAVAILABLE' });
      }
      if (streamOptions.sampleRate !== 16_000) {
        throw Object.assign(new Error('16 kHz only'), { code: 'UNSUPPORTED_SAMPLE_RATE' });
      }
      if (options.createDelayMs) await new Promise((resolve) => setTimeout(resolve, options.createDelayMs));
      created += 1;
      open += 1;
      return new FakeStream(
        listener,
        options.failAfterBytes,
        () => {
          open -= 1;
        },
        options.flushGate,
      );
    },
    async close() {},
  };
  return engine;
}

class FakeStream implements SpeechStream {
  private carry: number | undefined;
  private samples = 0;
  private bytes = 0;
  private speechStart: number | undefined;
  private lastLoud = 0;
  private lastPartialAt = 0;
  private utterances = 0;
  private closed = false;
  private failed = false;
  private released = false;
  /** Callbacks are delivered in order on later ticks, as a real engine's would be. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly listener: SpeechStreamListener,
    private readonly failAfterBytes: number | undefined,
    private readonly onClose: () => void,
    private readonly flushGate: Promise<void> | undefined,
  ) {}

  write(pcm: Uint8Array): void {
    if (this.closed || this.failed) return;
    this.bytes += pcm.byteLength;
    if (this.failAfterBytes !== undefined && this.bytes >= this.failAfterBytes) {
      this.failed = true;
      this.deliver(() =>
        this.listener.onError(Object.assign(new Error('fake engine failure'), { code: 'ENGINE_FAILED' })),
      );
      return;
    }
    let bytes = pcm;
    if (this.carry !== undefined) {
      const joined = new Uint8Array(pcm.byteLength + 1);
      joined[0] = this.carry;
      joined.set(pcm, 1);
      bytes = joined;
      this.carry = undefined;
    }
    if (bytes.byteLength % 2 === 1) {
      this.carry = bytes[bytes.byteLength - 1];
      bytes = bytes.subarray(0, bytes.byteLength - 1);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.byteLength; i += 2) {
      const loud = Math.abs(view.getInt16(i, true)) >= LOUD;
      const nowMs = this.samples / 16;
      this.samples += 1;
      if (loud) {
        if (this.speechStart === undefined) {
          this.speechStart = nowMs;
          this.lastPartialAt = nowMs;
        }
        this.lastLoud = nowMs;
        if (nowMs - this.lastPartialAt >= PARTIAL_EVERY_MS) {
          this.lastPartialAt = nowMs;
          const text = `speaking ${Math.round(nowMs - this.speechStart)}`;
          this.deliver(() => this.listener.onPartial(text));
        }
      } else if (this.speechStart !== undefined && nowMs - this.lastLoud >= END_SILENCE_MS) {
        this.endUtterance();
      }
    }
  }

  async flush(): Promise<void> {
    if (!this.closed && !this.failed && this.speechStart !== undefined) this.endUtterance();
    await this.queue;
    await this.flushGate;
    this.closed = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.released) return;
    this.released = true;
    this.onClose();
  }

  private endUtterance(): void {
    const startMs = this.speechStart ?? 0;
    const endMs = this.lastLoud;
    this.speechStart = undefined;
    this.utterances += 1;
    const text = `utterance ${this.utterances}`;
    this.deliver(() => this.listener.onFinal({ text, startMs, endMs }));
  }

  private deliver(callback: () => void): void {
    this.queue = this.queue.then(
      () =>
        new Promise<void>((resolve) => {
          setImmediate(() => {
            if (!this.closed) callback();
            resolve();
          });
        }),
    );
  }
}

/** `ms` of a loud square wave (speech for the fake engine). */
export function loud(ms: number): Uint8Array {
  const samples = Math.round(ms * 16);
  const out = new Uint8Array(samples * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples; i += 1) view.setInt16(i * 2, i % 32 < 16 ? 8000 : -8000, true);
  return out;
}

/** `ms` of silence. */
export function quiet(ms: number): Uint8Array {
  return new Uint8Array(Math.round(ms * 16) * 2);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Splits PCM into chunks of `ms` (100 ms = 3200 bytes, what the WeChat recorder sends). */
export function chunks(pcm: Uint8Array, ms = 100): Uint8Array[] {
  const size = ms * 32;
  const out: Uint8Array[] = [];
  for (let offset = 0; offset < pcm.byteLength; offset += size) out.push(pcm.subarray(offset, offset + size));
  return out;
}
