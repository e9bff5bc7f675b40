/**
 * @module platform/types — what the app needs from a platform, as plain interfaces.
 *
 * Composables, stores and the API layer receive these objects instead of calling `uni`, `wx`, `my`, `tt`
 * or browser APIs themselves, so they run unchanged in unit tests with fakes. The implementations live in
 * this folder and are the only code with `#ifdef` or platform globals.
 */

import type { AudioFormat } from '@realtime-voice/shared/voice';
import type { LifecycleSource, Transport } from 'socket.io-miniprogram';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** One HTTP request against the backend. `path` starts with `/api/...`. */
export interface HttpRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** JSON-serialisable body, or raw bytes (sent as `application/octet-stream` unless a type is given). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The platform's answer; `data` is parsed JSON when the server sent JSON. Never throws for HTTP errors. */
export interface HttpResponse {
  readonly status: number;
  readonly data: unknown;
}

/** Sends a request; rejects only when no HTTP answer arrived (network down, DNS, aborted). */
export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** A file the platform recorded (platforms whose recorder gives no frames at all, e.g. Baidu, Alipay before 10.1.80). */
export interface RecordedFile {
  /** Local temp path of the recording (`wxfile://…`, `https://resource/…`). */
  readonly filePath: string;
  /** Container format as recorded, e.g. `aac`, `mp3`, `wav`. */
  readonly format: string;
  readonly durationMs: number;
}

/** Callbacks a recorder driver reports to. */
export interface RecorderHandlers {
  /** One chunk of live audio in the driver's format: 16 kHz mono s16le PCM, or mp3 bytes (live drivers only). */
  onFrame(frame: ArrayBuffer): void;
  /**
   * Recording stopped without being asked: `paused` (app hidden, phone call), `stopped` (the time limit, or
   * the system), `ended` (the browser's track ended). A file recorder hands over what it recorded until
   * then, when the platform gave it a file.
   */
  onInterrupted(reason: string, file?: RecordedFile): void;
  /** The recorder failed; it is stopped. */
  onError(error: Error): void;
}

/** A recorder producing live PCM frames (WeChat, Douyin, H5). */
export interface PcmRecorderDriver {
  readonly kind: 'pcm';
  start(handlers: RecorderHandlers): Promise<void>;
  /** Resolves after the last frame was delivered. */
  stop(): Promise<void>;
}

/**
 * A recorder producing live mp3 frames (Alipay: its recorder has no PCM, and streams frames only as mp3).
 * Frames are pieces of one mp3 byte stream, cut anywhere; the server decodes them (`format: 'mp3'`).
 */
export interface Mp3RecorderDriver {
  readonly kind: 'mp3';
  start(handlers: RecorderHandlers): Promise<void>;
  /** Resolves after the last frame was delivered. */
  stop(): Promise<void>;
}

/** A recorder that only yields a compressed file at the end (no recorder frames: Baidu, Alipay before 10.1.80). */
export interface FileRecorderDriver {
  readonly kind: 'file';
  start(handlers: RecorderHandlers): Promise<void>;
  stop(): Promise<RecordedFile | undefined>;
}

export type RecorderDriver = PcmRecorderDriver | Mp3RecorderDriver | FileRecorderDriver;

/** The outcome of asking for the microphone. */
export type PermissionResult = 'granted' | 'denied';

/** Everything platform-specific the app uses. */
export interface Platform {
  /**
   * How the recorder streams live audio, in the voice protocol's `format` (`pcm16le` on WeChat, Douyin and
   * H5; `mp3` on Alipay), or `false` when it gives no frames at all (Baidu, Alipay before 10.1.80): record, then upload to
   * `POST /api/recognize`, and the page says live text is not available. Matches `createRecorder()`.
   */
  readonly liveAudio: AudioFormat | false;
  /** How the socket reaches the backend: the URI for `io()` and the transport. */
  socketTarget(): { readonly uri: string; readonly transport: Transport };
  /** Foreground/background and network events, for the client's `lifecycle` option and the recorder. */
  readonly lifecycle: LifecycleSource | undefined;
  /** HTTP to the backend (`uni.request`, or `wx.cloud.callContainer` on Cloud Hosting). */
  readonly http: HttpClient;
  /** Reads a recorded file's bytes (to send it to `POST /api/recognize`, which takes a raw body). */
  readFile(filePath: string): Promise<ArrayBuffer>;
  createRecorder(): RecorderDriver;
  /** Asks for the record permission (may show the system prompt). */
  requestRecordPermission(): Promise<PermissionResult>;
  /** Opens the settings page where the user can grant the microphone; call it from a tap. */
  openPermissionSettings(): void;
  /** A confirm dialog; resolves true when confirmed. */
  confirm(title: string, content: string): Promise<boolean>;
  toast(message: string): void;
  /** Ends the pull-down-refresh animation (mini-programs). */
  stopPullDownRefresh(): void;
}
