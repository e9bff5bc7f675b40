/**
 * A `my` (Alipay) for the compiled mini-program, over the REAL backend.
 *
 * - Sockets: `my.connectSocket` is the shared Alipay emulation (`shared/test/support/socket-task.ts`): a
 *   real WebSocket on loopback, a task only with `multiple: true`, binary both ways as base64 with
 *   `isBuffer: true`, failures as `{ error, errorMessage }`.
 * - HTTP: `my.request` with Alipay's shapes (`headers` in, `{ status, headers, data }` out), to the backend.
 * - Recorder: `my.getRecorderManager()` checks the options against Alipay's documented rules (frames only
 *   with `format: 'mp3'`, the sample-rate/bit-rate table, at most 3 minutes) and then, at real time, emits
 *   `onFrameRecorded({ frameBuffer, isLastFrame })` with `frameSize` KB pieces of an mp3 stream (lame-encoded
 *   flite speech, then silence), cut wherever the bytes fall, like the recorder's own frames. Without
 *   `frameSize`, or on a client whose recorder has no frames (`recorderFrames: false`, as before 10.1.80,
 *   which ignores `frameSize`), it only records: `onStop` gives a temp file holding the stream heard so far,
 *   which `my.getFileSystemManager().readFile` returns.
 * - Client version: `my.getSystemInfoSync().version` and `my.env.clientVersion` (`clientVersion` option).
 * - Dialogs, toast, storage, settings, app show/hide: Alipay's names and shapes. Anything else the uni
 *   runtime probes is a harmless no-op.
 */
import { createMyConnectSocket, createSocketPool } from '../../../shared/test/support/socket-task';

type Callback = ((result: Record<string, unknown>) => void) | undefined;
interface CallbackOptions {
  success?: Callback;
  fail?: Callback;
  complete?: Callback;
}

function settle(options: CallbackOptions | undefined, ok: boolean, result: Record<string, unknown>): void {
  setTimeout(() => {
    (ok ? options?.success : options?.fail)?.(result);
    options?.complete?.(result);
  }, 0);
}

/** Alipay's table: sample rate → allowed encodeBitRate range. */
const BIT_RATES: Readonly<Record<number, readonly [number, number]>> = {
  8000: [16_000, 48_000],
  11025: [16_000, 48_000],
  12000: [24_000, 64_000],
  16000: [24_000, 96_000],
  22050: [32_000, 128_000],
  24000: [32_000, 128_000],
  32000: [48_000, 192_000],
  44100: [64_000, 320_000],
  48000: [64_000, 320_000],
};

export interface MyRecorderEmulation {
  /** The mp3 stream the microphone produces for the options the test expects (see `mp3For`). */
  readonly starts: Array<Record<string, unknown>>;
  /** Frames delivered, and their bytes. */
  framesSent: number;
  bytesSent: number;
  recording: boolean;
  /** Files recorded (takes without frames), by temp path. */
  readonly files: Map<string, Uint8Array>;
  /**
   * Jumps to the moment the recording's `duration` runs out: the recorder stops by itself (flushes its last
   * frame, writes the file, calls `onStop`) exactly as it does when that timer fires. Returns whether a
   * recording was running.
   */
  reachLimit(): boolean;
}

export interface MyEmulationOptions {
  /** The origin the app was built with (`VITE_SERVER_URL`), e.g. `http://alipay-backend.test`. */
  readonly appServerUrl: string;
  /** Where that origin really is (the test backend): the emulated network resolves it there. */
  readonly backendUrl: string;
  /** The mp3 stream for a recording at `sampleRate`/`encodeBitRate` (undefined: the test did not prepare one). */
  readonly mp3For: (sampleRate: number, bitRate: number) => Uint8Array | undefined;
  /** The Alipay client version the client reports; default `10.5.90`. */
  readonly clientVersion?: string;
  /** Whether the recorder gives frames (false: a client before 10.1.80, which ignores `frameSize`); default true. */
  readonly recorderFrames?: boolean;
}

export interface MyEmulation {
  my: Record<string, unknown>;
  /**
   * Makes the ArrayBuffers native APIs hand the page; set it to the page's realm once loaded (a frame
   * from Alipay's recorder is the page's own ArrayBuffer type, not the test's).
   */
  arrayBuffer: (bytes: Uint8Array) => ArrayBuffer;
  readonly recorder: MyRecorderEmulation;
  readonly modals: Array<{ title?: string; content?: string }>;
  readonly toasts: string[];
  readonly requests: Array<{
    url: string;
    method: string;
    headers: Record<string, string>;
    bodyBytes?: number;
  }>;
  /** `my.getSetting` answer for the microphone (`audioRecord`). */
  audioRecordAuthorized: boolean;
  showAuthGuideCalls: number;
  /** Socket connections the app opened. */
  readonly sockets: ReturnType<typeof createSocketPool>;
  appShow(): void;
  appHide(): void;
  close(): Promise<void>;
}

export function createMyEmulation(options: MyEmulationOptions): MyEmulation {
  const pool = createSocketPool(5);
  const emulatedConnectSocket = createMyConnectSocket({ pool });
  const resolveUrl = (url: string): string => {
    const app = options.appServerUrl.replace(/\/+$/, '');
    const real = options.backendUrl.replace(/\/+$/, '');
    for (const [from, to] of [
      [app, real],
      [app.replace(/^http/, 'ws'), real.replace(/^http/, 'ws')],
    ] as const) {
      if (url.startsWith(from)) return to + url.slice(from.length);
    }
    return url;
  };
  const connectSocket = (call: Parameters<typeof emulatedConnectSocket>[0]) =>
    emulatedConnectSocket({ ...call, url: resolveUrl(call.url) });
  const storage = new Map<string, unknown>();
  const showListeners = new Set<(o?: unknown) => void>();
  const hideListeners = new Set<(o?: unknown) => void>();

  // ------------------------------------------------------------------------------------------- recorder
  const recorder: MyRecorderEmulation = {
    starts: [],
    framesSent: 0,
    bytesSent: 0,
    recording: false,
    files: new Map(),
    reachLimit: () => {
      if (!recorder.recording) return false;
      finishRecording();
      return true;
    },
  };
  const recorderFrames = options.recorderFrames ?? true;
  const handlers: {
    start?: () => void;
    stop?: (r: Record<string, unknown>) => void;
    frame?: (r: { frameBuffer: ArrayBuffer; isLastFrame: boolean }) => void;
    error?: (r: Record<string, unknown>) => void;
  } = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stream = new Uint8Array(0);
  let offset = 0;
  let frameBytes = 0;
  let bitRate = 0;
  let startedAt = 0;
  let limitTimer: ReturnType<typeof setTimeout> | undefined;

  const nextFrame = (): ArrayBuffer => {
    const end = Math.min(stream.length, offset + frameBytes);
    const frame = stream.subarray(offset, end);
    offset = end;
    recorder.framesSent++;
    recorder.bytesSent += frame.length;
    return emulation.arrayBuffer(frame);
  };

  /** Ends the recording, asked (`stop()`) or not (`duration` ran out): last frame, file, `onStop`. */
  const finishRecording = (): void => {
    recorder.recording = false;
    if (timer) clearTimeout(timer);
    if (limitTimer) clearTimeout(limitTimer);
    setTimeout(() => {
      const duration = Date.now() - startedAt;
      // The encoder flushes what it had: the last (short) frame.
      if (frameBytes > 0 && offset < stream.length) {
        handlers.frame?.({ frameBuffer: nextFrame(), isLastFrame: true });
      }
      // The file holds what was heard until now (the bytes the encoder produced at its bit rate).
      const tempFilePath = `https://resource/apml${recorder.starts.length}953bb093ebd2834530196f50a4413a87.mp3`;
      recorder.files.set(tempFilePath, stream.slice(0, Math.round((duration * bitRate) / 8000)));
      handlers.stop?.({ tempFilePath, duration });
    }, 0);
  };

  const recorderManager = {
    start(opts: Record<string, unknown>) {
      recorder.starts.push(opts);
      const fail = (errorMessage: string) =>
        setTimeout(() => handlers.error?.({ error: 2, errorMessage }), 0);
      if (recorder.recording) return fail('recorder is recording');
      const format = opts.format ?? 'aac';
      if (format !== 'aac' && format !== 'mp3') return fail(`format ${String(format)} is not supported`);
      if (opts.frameSize !== undefined && format !== 'mp3') return fail('frameSize needs format mp3');
      const sampleRate = Number(opts.sampleRate ?? 8000);
      const range = BIT_RATES[sampleRate];
      if (!range) return fail(`sampleRate ${sampleRate} is not supported`);
      const channels = Number(opts.numberOfChannels ?? 2);
      if (channels !== 1 && channels !== 2) return fail(`numberOfChannels ${channels} is invalid`);
      const rate = Number(opts.encodeBitRate ?? 48_000);
      if (rate < range[0] || rate > range[1]) return fail(`encodeBitRate ${rate} is invalid`);
      if (Number(opts.duration ?? 60_000) > 180_000) return fail('duration is at most 180000 ms');
      if (format !== 'mp3') return fail('emulation: only mp3 is emulated');
      const mp3 = options.mp3For(sampleRate, rate);
      if (!mp3) return fail(`emulation: no mp3 prepared for ${sampleRate} Hz at ${rate} bit/s`);
      stream = mp3;
      offset = 0;
      bitRate = rate;
      // An old client ignores `frameSize`: it records, and only the file at the end holds the audio.
      frameBytes =
        recorderFrames && typeof opts.frameSize === 'number' ? Math.round(opts.frameSize * 1024) : 0;
      recorder.recording = true;
      startedAt = Date.now();
      // The recorder stops by itself when `duration` runs out (Alipay's default: 60 s).
      limitTimer = setTimeout(finishRecording, Number(opts.duration ?? 60_000));
      if (frameBytes === 0) {
        setTimeout(() => handlers.start?.(), 0);
        return;
      }
      // A frame is ready once frameSize KB were encoded: its time at the encoder's bit rate.
      const frameMs = (frameBytes * 8 * 1000) / bitRate;
      const tick = (index: number) => {
        timer = setTimeout(
          () => {
            if (!recorder.recording || offset >= stream.length) return;
            handlers.frame?.({ frameBuffer: nextFrame(), isLastFrame: false });
            tick(index + 1);
          },
          Math.max(0, startedAt + (index + 1) * frameMs - Date.now()),
        );
      };
      setTimeout(() => {
        handlers.start?.();
        tick(0);
      }, 0);
    },
    stop() {
      if (!recorder.recording) {
        setTimeout(() => handlers.error?.({ error: 3, errorMessage: 'recorder not started' }), 0);
        return;
      }
      finishRecording();
    },
    pause() {},
    resume() {},
    onStart: (cb: () => void) => {
      handlers.start = cb;
    },
    onStop: (cb: (r: Record<string, unknown>) => void) => {
      handlers.stop = cb;
    },
    onFrameRecorded: (cb: (r: { frameBuffer: ArrayBuffer; isLastFrame: boolean }) => void) => {
      handlers.frame = cb;
    },
    onError: (cb: (r: Record<string, unknown>) => void) => {
      handlers.error = cb;
    },
    onPause: () => undefined,
    onResume: () => undefined,
  };

  const emulation: MyEmulation = {
    my: {},
    arrayBuffer: (bytes) => bytes.slice().buffer,
    recorder,
    modals: [],
    toasts: [],
    requests: [],
    audioRecordAuthorized: true,
    showAuthGuideCalls: 0,
    sockets: pool,
    appShow: () => {
      for (const l of [...showListeners]) l({ path: 'pages/index/index', scene: 1000 });
    },
    appHide: () => {
      for (const l of [...hideListeners]) l();
    },
    close: async () => {
      recorder.recording = false;
      if (timer) clearTimeout(timer);
      if (limitTimer) clearTimeout(limitTimer);
      await pool.closeAll();
    },
  };

  const systemInfo = {
    platform: 'iOS',
    system: '17.0',
    brand: 'iPhone',
    model: 'iPhone15,2',
    pixelRatio: 3,
    screenWidth: 390,
    screenHeight: 844,
    windowWidth: 390,
    windowHeight: 844,
    statusBarHeight: 47,
    language: 'zh-Hans',
    version: options.clientVersion ?? '10.5.90',
    app: 'alipay',
    SDKVersion: '2.9.0',
  };

  const api: Record<string, unknown> = {
    SDKVersion: '2.9.0',
    env: { clientVersion: options.clientVersion ?? '10.5.90' },
    connectSocket,
    getRecorderManager: () => recorderManager,
    getFileSystemManager: () => ({
      readFile: (o: CallbackOptions & { filePath: string; encoding?: string }) => {
        const file = recorder.files.get(o.filePath);
        if (!file || o.encoding !== undefined) {
          settle(o, false, { error: 10022, errorMessage: `emulation: cannot read ${o.filePath}` });
          return;
        }
        settle(o, true, { data: emulation.arrayBuffer(file) });
      },
    }),
    getSetting: (o: CallbackOptions) =>
      settle(o, true, { authSetting: { audioRecord: emulation.audioRecordAuthorized } }),
    showAuthGuide: () => void emulation.showAuthGuideCalls++,
    confirm: (o: CallbackOptions & { title?: string; content?: string }) => {
      emulation.modals.push({ title: o.title, content: o.content });
      settle(o, true, { confirm: true });
    },
    showToast: (o: CallbackOptions & { content?: string }) => {
      emulation.toasts.push(o.content ?? '');
      settle(o, true, {});
    },
    stopPullDownRefresh: (o?: CallbackOptions) => settle(o, true, {}),
    getStorageSync: ({ key }: { key: string }) => ({ data: storage.has(key) ? storage.get(key) : null }),
    setStorageSync: ({ key, data }: { key: string; data: unknown }) => void storage.set(key, data),
    setStorage: (o: CallbackOptions & { key: string; data: unknown }) => {
      storage.set(o.key, o.data);
      settle(o, true, {});
    },
    getSystemInfoSync: () => systemInfo,
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', scene: 1000, query: {} }),
    canIUse: () => true,
    onAppShow: (cb: (o?: unknown) => void) => void showListeners.add(cb),
    offAppShow: (cb: (o?: unknown) => void) => void showListeners.delete(cb),
    onAppHide: (cb: (o?: unknown) => void) => void hideListeners.add(cb),
    offAppHide: (cb: (o?: unknown) => void) => void hideListeners.delete(cb),
    onNetworkStatusChange: () => undefined,
    offNetworkStatusChange: () => undefined,
    request: (
      o: CallbackOptions & {
        url: string;
        method?: string;
        data?: unknown;
        headers?: Record<string, string>;
        dataType?: string;
      },
    ) => {
      const method = o.method ?? 'GET';
      const headers = o.headers ?? {};
      // Bytes (an ArrayBuffer of the page's realm) go out as they are; objects as JSON.
      const bytes =
        Object.prototype.toString.call(o.data) === '[object ArrayBuffer]'
          ? new Uint8Array(new Uint8Array(o.data as ArrayBuffer))
          : undefined;
      emulation.requests.push({ url: o.url, method, headers, ...(bytes ? { bodyBytes: bytes.length } : {}) });
      const body =
        o.data === undefined || method === 'GET'
          ? undefined
          : bytes
            ? bytes
            : typeof o.data === 'string'
              ? o.data
              : JSON.stringify(o.data);
      void fetch(resolveUrl(o.url), { method, headers, ...(body === undefined ? {} : { body }) })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON
          }
          settle(o, true, { status: res.status, headers: Object.fromEntries(res.headers), data });
        })
        .catch((err: unknown) =>
          settle(o, false, { error: 12, errorMessage: `request failed: ${String(err)}` }),
        );
    },
  };

  // uni's runtime reads some properties as flags or state, not APIs: those must be absent, not functions
  // (`my.dd` would mean DingTalk, `my.isIDE` the devtools; `my.$onErrorHandlers` is its own array).
  const NOT_APIS = new Set(['dd', 'isIDE', 'specialMethods', 'EventChannel']);
  emulation.my = new Proxy(api, {
    get(target, key) {
      if (typeof key === 'symbol') return undefined;
      if (key in target) return target[key];
      if (key.startsWith('$') || NOT_APIS.has(key)) return undefined;
      return () => undefined;
    },
  });
  return emulation;
}
