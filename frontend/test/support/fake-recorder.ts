/**
 * A recorder driver under test control: the test pushes frames and interruptions.
 */

import type { MpRecorderManager } from '../../src/platform/mp-recorder';
import type {
  FileRecorderDriver,
  Mp3RecorderDriver,
  PcmRecorderDriver,
  RecordedFile,
  RecorderHandlers,
} from '../../src/platform/types';

export class FakePcmRecorder implements PcmRecorderDriver {
  readonly kind = 'pcm' as const;
  handlers: RecorderHandlers | undefined;
  starts = 0;
  stops = 0;
  failStartWith: Error | undefined;
  /** Frames delivered during stop() (the platform's last frame). */
  tail: ArrayBuffer | undefined;
  startDelayMs = 0;
  /** A microphone that takes a while to release (a browser closing its AudioContext on a busy machine). */
  stopDelayMs = 0;

  async start(handlers: RecorderHandlers): Promise<void> {
    this.starts++;
    if (this.startDelayMs) await new Promise((r) => setTimeout(r, this.startDelayMs));
    if (this.failStartWith) throw this.failStartWith;
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.stops++;
    if (this.stopDelayMs) await new Promise((r) => setTimeout(r, this.stopDelayMs));
    if (this.tail && this.handlers) this.handlers.onFrame(this.tail);
    this.handlers = undefined;
  }

  /** Emits one frame of `samples` 16-bit samples of value `value`. */
  frame(samples: number, value = 1000): ArrayBuffer {
    const pcm = new Int16Array(samples).fill(value);
    this.handlers?.onFrame(pcm.buffer);
    return pcm.buffer;
  }
}

/** An mp3 frame recorder (Alipay's shape): the test pushes byte chunks of any length. */
export class FakeMp3Recorder implements Mp3RecorderDriver {
  readonly kind = 'mp3' as const;
  handlers: RecorderHandlers | undefined;
  starts = 0;

  async start(handlers: RecorderHandlers): Promise<void> {
    this.starts++;
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    this.handlers = undefined;
  }

  /** Emits `bytes` as one frame. */
  frame(bytes: Uint8Array): void {
    this.handlers?.onFrame(bytes.slice().buffer);
  }
}

export class FakeFileRecorder implements FileRecorderDriver {
  readonly kind = 'file' as const;
  handlers: RecorderHandlers | undefined;
  file: RecordedFile | undefined = { filePath: 'bdfile://tmp/rec.mp3', format: 'mp3', durationMs: 1500 };

  async start(handlers: RecorderHandlers): Promise<void> {
    this.handlers = handlers;
  }

  async stop(): Promise<RecordedFile | undefined> {
    this.handlers = undefined;
    return this.file;
  }
}

/** A vendor RecorderManager (WeChat/Alipay shape) whose callbacks fire asynchronously, as on a device. */
export class FakeRecorderManager implements MpRecorderManager {
  private onStartCb: (() => void) | undefined;
  private onStopCb: ((r: { tempFilePath?: string; duration?: number }) => void) | undefined;
  private onPauseCb: (() => void) | undefined;
  stops = 0;
  start(): void {
    setTimeout(() => this.onStartCb?.(), 0);
  }
  stop(): void {
    this.stops++;
    // The platform always finishes the file and reports it in onStop, also after a pause.
    setTimeout(() => this.onStopCb?.({ tempFilePath: 'wxfile://tmp/take.mp3', duration: 42_000 }), 5);
  }
  onStart(cb: () => void): void {
    this.onStartCb = cb;
  }
  onStop(cb: (r: { tempFilePath?: string; duration?: number }) => void): void {
    this.onStopCb = cb;
  }
  onError(): void {}
  onPause(cb: () => void): void {
    this.onPauseCb = cb;
  }
  /** The system pauses the recorder (phone call, app hidden). */
  pause(): void {
    this.onPauseCb?.();
  }
}
