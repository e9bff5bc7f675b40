/**
 * A `wx` for the compiled mini-program, over the REAL backend.
 *
 * - Sockets: `wx.cloud.connectContainer` and `wx.connectSocket` are the shared emulations
 *   (`shared/test/support/socket-task.ts`): real WebSockets on loopback with WeChat's callback shapes,
 *   ArrayBuffer payloads and Cloud Hosting's injected `x-wx-openid` headers.
 * - HTTP: `wx.cloud.callContainer` routes by the `X-WX-SERVICE` header to the backend with the same
 *   identity headers; `wx.request` goes to the given URL. Both answer `{ statusCode, data }` with JSON
 *   parsed, as WeChat does with the default `dataType: 'json'`.
 * - Recorder: `wx.getRecorderManager()` checks the options WeChat requires for PCM frames and then, at real
 *   time, emits `onFrameRecorded({ frameBuffer, isLastFrame })` with `frameSize` KB of 16 kHz mono s16le
 *   from the given speech (then silence: a microphone keeps recording), `onStop` with a temp path.
 * - Lifecycle: `onAppShow`/`onAppHide`/`onNetworkStatusChange` with triggers for the test.
 * Anything else the uni runtime touches is a harmless no-op.
 */
import {
  createSocketPool,
  createWxCloud,
  createWxConnectSocket,
  type EmulatedCloud,
  type SocketPool,
} from '../../../shared/test/support/socket-task';

type Callback<T> = ((result: T) => void) | undefined;

interface CallbackOptions {
  success?: Callback<Record<string, unknown>>;
  fail?: Callback<Record<string, unknown>>;
  complete?: Callback<Record<string, unknown>>;
}

function settle(options: CallbackOptions | undefined, ok: boolean, result: Record<string, unknown>): void {
  setTimeout(() => {
    (ok ? options?.success : options?.fail)?.(result);
    options?.complete?.(result);
  }, 0);
}

export interface RecorderEmulation {
  /** PCM the microphone "hears" (16 kHz mono s16le); silence after it. */
  speech: Uint8Array;
  readonly starts: Array<Record<string, unknown>>;
  framesSent: number;
  recording: boolean;
}

export interface WxEmulationOptions {
  readonly backendUrl: string;
  readonly cloudEnv: string;
  readonly cloudService: string;
  readonly openid: string;
  readonly speech: Uint8Array;
  /** How fast the recorder runs relative to real time (tests keep 1). */
  readonly speed?: number;
}

export interface WxEmulation {
  wx: Record<string, unknown>;
  readonly cloud: EmulatedCloud;
  /** Every socket the app opened (connectSocket and connectContainer share WeChat's 5-socket budget). */
  readonly sockets: SocketPool;
  readonly recorder: RecorderEmulation;
  readonly modals: Array<{ title?: string; content?: string }>;
  /** Answer for the next `showModal` calls. */
  confirmModals: boolean;
  /** `wx.authorize({ scope: 'scope.record' })` outcome. */
  recordAuthorized: boolean;
  /** How many times `wx.openSetting` was called. */
  openSettingCalls: number;
  /**
   * While true, new sockets fail to open like network calls of a backgrounded WeChat app (the real
   * emulation, aimed at a closed port: `onError` then `onClose(1006)`).
   */
  networkBlocked: boolean;
  /** Registered `onAppShow` / `onAppHide` / `onNetworkStatusChange` listeners. */
  listenerCounts(): { show: number; hide: number; network: number };
  /** The platform cuts every open socket (WeChat does so ~5 s after the app went to the background). */
  dropSockets(): Promise<void>;
  appShow(): void;
  appHide(): void;
  network(isConnected: boolean): void;
  close(): Promise<void>;
}

export function createWxEmulation(options: WxEmulationOptions): WxEmulation {
  const pool = createSocketPool(5);
  const wsBase = options.backendUrl.replace(/^http/, 'ws');
  const emulatedCloud = createWxCloud({
    env: options.cloudEnv,
    services: { [options.cloudService]: wsBase },
    openid: options.openid,
    appid: 'wx0000000000000000',
    pool,
    initialized: false,
  });
  const emulatedConnectSocket = createWxConnectSocket({ pool });
  const connectSocket = (call: Parameters<typeof emulatedConnectSocket>[0]) =>
    emulatedConnectSocket(emulation.networkBlocked ? { ...call, url: 'ws://127.0.0.1:9/blocked' } : call);
  const storage = new Map<string, unknown>();
  const showListeners = new Set<(o?: unknown) => void>();
  const hideListeners = new Set<(o?: unknown) => void>();
  const networkListeners = new Set<(s: { isConnected: boolean; networkType: string }) => void>();

  const callContainer = async (call: {
    config?: { env?: string };
    path: string;
    method?: string;
    header?: Record<string, string>;
    data?: unknown;
  }) => {
    const header = { ...call.header };
    const service = Object.entries(header).find(([k]) => k.toLowerCase() === 'x-wx-service')?.[1];
    if ((call.config?.env ?? options.cloudEnv) !== options.cloudEnv) {
      throw { errCode: -501000, errMsg: 'cloud.callContainer:fail Error: env check invalid be filterd' };
    }
    if (service !== options.cloudService) {
      throw {
        errCode: -501000,
        errMsg: 'cloud.callContainer:fail Error: errCode: -501000 | errMsg: Invalid host',
      };
    }
    const body =
      call.data === undefined
        ? undefined
        : call.data instanceof ArrayBuffer
          ? new Uint8Array(call.data)
          : JSON.stringify(call.data);
    const response = await fetch(`${options.backendUrl}${call.path}`, {
      method: call.method ?? 'GET',
      headers: {
        ...header,
        'x-wx-openid': options.openid,
        'x-wx-appid': 'wx0000000000000000',
        'x-wx-env': options.cloudEnv,
        'x-wx-source': 'wx-client-container',
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // WeChat leaves non-JSON as a string.
    }
    return {
      statusCode: response.status,
      data,
      header: Object.fromEntries(response.headers),
      errMsg: 'cloud.callContainer:ok',
    };
  };

  const cloud = Object.assign(emulatedCloud, { callContainer });

  // ------------------------------------------------------------------------------------------- recorder
  const recorder: RecorderEmulation = { speech: options.speech, starts: [], framesSent: 0, recording: false };
  const recorderHandlers: {
    start?: () => void;
    stop?: (r: Record<string, unknown>) => void;
    frame?: (r: { frameBuffer: ArrayBuffer; isLastFrame: boolean }) => void;
    error?: (r: { errMsg: string }) => void;
    pause?: () => void;
  } = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let offset = 0;
  let startedAt = 0;
  let frameBytes = 0;
  const speed = options.speed ?? 1;

  const nextFrame = (): ArrayBuffer => {
    const frame = new Uint8Array(frameBytes);
    const available = Math.max(0, Math.min(frameBytes, recorder.speech.length - offset));
    if (available > 0) frame.set(recorder.speech.subarray(offset, offset + available));
    offset += frameBytes;
    return frame.buffer;
  };

  const recorderManager = {
    start(opts: Record<string, unknown>) {
      recorder.starts.push(opts);
      const fail = (errMsg: string) => setTimeout(() => recorderHandlers.error?.({ errMsg }), 0);
      if (recorder.recording) return fail('operateRecorder:fail recorder is recording');
      // What WeChat requires for PCM frames at 16 kHz.
      if (opts.format !== 'PCM')
        return fail(`operateRecorder:fail format ${String(opts.format)} has no PCM frames`);
      if (opts.sampleRate !== 16_000) return fail('operateRecorder:fail sampleRate');
      const bitRate = Number(opts.encodeBitRate ?? 48_000);
      if (bitRate < 24_000 || bitRate > 96_000) return fail('operateRecorder:fail encodeBitRate invalid');
      if (typeof opts.frameSize !== 'number') return fail('operateRecorder:fail no frameSize: no frames');
      const channels = Number(opts.numberOfChannels ?? 2);
      if (channels !== 1) return fail('emulation: only mono is emulated (the app must ask for 1 channel)');
      frameBytes = Math.round(opts.frameSize * 1024) & ~1;
      recorder.recording = true;
      offset = 0;
      startedAt = Date.now();
      const frameMs = (frameBytes / 32_000) * 1000;
      const tick = (index: number) => {
        timer = setTimeout(
          () => {
            if (!recorder.recording) return;
            recorder.framesSent++;
            recorderHandlers.frame?.({ frameBuffer: nextFrame(), isLastFrame: false });
            tick(index + 1);
          },
          Math.max(0, startedAt + ((index + 1) * frameMs) / speed - Date.now()),
        );
      };
      setTimeout(() => {
        recorderHandlers.start?.();
        tick(0);
      }, 0);
    },
    stop() {
      if (!recorder.recording) {
        setTimeout(() => recorderHandlers.error?.({ errMsg: 'operateRecorder:fail recorder not start' }), 0);
        return;
      }
      recorder.recording = false;
      if (timer) clearTimeout(timer);
      setTimeout(() => {
        recorderHandlers.frame?.({ frameBuffer: nextFrame(), isLastFrame: true });
        recorderHandlers.stop?.({
          tempFilePath: 'wxfile://tmp_recording.pcm',
          duration: Date.now() - startedAt,
          fileSize: offset,
        });
      }, 0);
    },
    pause() {},
    resume() {},
    onStart: (cb: () => void) => {
      recorderHandlers.start = cb;
    },
    onStop: (cb: (r: Record<string, unknown>) => void) => {
      recorderHandlers.stop = cb;
    },
    onFrameRecorded: (cb: (r: { frameBuffer: ArrayBuffer; isLastFrame: boolean }) => void) => {
      recorderHandlers.frame = cb;
    },
    onError: (cb: (r: { errMsg: string }) => void) => {
      recorderHandlers.error = cb;
    },
    onPause: (cb: () => void) => {
      recorderHandlers.pause = cb;
    },
    onResume: () => undefined,
    onInterruptionBegin: () => undefined,
    onInterruptionEnd: () => undefined,
  };

  const emulation: WxEmulation = {
    wx: {},
    cloud,
    sockets: pool,
    recorder,
    modals: [],
    confirmModals: true,
    recordAuthorized: true,
    openSettingCalls: 0,
    networkBlocked: false,
    dropSockets: () => pool.closeAll(),
    listenerCounts: () => ({
      show: showListeners.size,
      hide: hideListeners.size,
      network: networkListeners.size,
    }),
    appShow: () => {
      for (const l of [...showListeners]) l({ path: 'pages/index/index', scene: 1001 });
    },
    appHide: () => {
      // WeChat pauses a running recorder when the app is hidden.
      if (recorder.recording) {
        recorder.recording = false;
        if (timer) clearTimeout(timer);
        recorderHandlers.pause?.();
      }
      for (const l of [...hideListeners]) l();
    },
    network: (isConnected) => {
      for (const l of [...networkListeners]) l({ isConnected, networkType: isConnected ? 'wifi' : 'none' });
    },
    close: async () => {
      recorder.recording = false;
      if (timer) clearTimeout(timer);
      await pool.closeAll();
    },
  };

  const systemInfo = {
    platform: 'devtools',
    system: 'iOS 17.0',
    brand: 'devtools',
    model: 'iPhone 15',
    pixelRatio: 3,
    screenWidth: 390,
    screenHeight: 844,
    windowWidth: 390,
    windowHeight: 844,
    statusBarHeight: 47,
    language: 'zh_CN',
    version: '8.0.50',
    SDKVersion: '3.5.0',
    theme: 'light',
    safeArea: { left: 0, right: 390, top: 47, bottom: 810, width: 390, height: 763 },
  };

  const api: Record<string, unknown> = {
    cloud,
    connectSocket,
    getRecorderManager: () => recorderManager,
    authorize: (o: CallbackOptions & { scope: string }) =>
      settle(o, o.scope !== 'scope.record' || emulation.recordAuthorized, {
        errMsg: emulation.recordAuthorized ? 'authorize:ok' : 'authorize:fail auth deny',
      }),
    openSetting: (o?: CallbackOptions) => {
      emulation.openSettingCalls++;
      settle(o, true, { authSetting: { 'scope.record': true } });
    },
    showModal: (o: CallbackOptions & { title?: string; content?: string }) => {
      emulation.modals.push({ title: o.title, content: o.content });
      settle(o, true, {
        confirm: emulation.confirmModals,
        cancel: !emulation.confirmModals,
        errMsg: 'showModal:ok',
      });
    },
    showToast: (o?: CallbackOptions) => settle(o, true, { errMsg: 'showToast:ok' }),
    stopPullDownRefresh: (o?: CallbackOptions) => settle(o, true, { errMsg: 'stopPullDownRefresh:ok' }),
    getStorageSync: (key: string) => storage.get(key) ?? '',
    setStorageSync: (key: string, value: unknown) => void storage.set(key, value),
    getSystemInfoSync: () => systemInfo,
    getWindowInfo: () => systemInfo,
    getDeviceInfo: () => systemInfo,
    getAppBaseInfo: () => systemInfo,
    getSystemSetting: () => ({}),
    getAppAuthorizeSetting: () => ({}),
    getLaunchOptionsSync: () => ({ path: 'pages/index/index', scene: 1001, query: {} }),
    getEnterOptionsSync: () => ({ path: 'pages/index/index', scene: 1001, query: {} }),
    canIUse: () => true,
    onAppShow: (cb: (o?: unknown) => void) => void showListeners.add(cb),
    offAppShow: (cb: (o?: unknown) => void) => void showListeners.delete(cb),
    onAppHide: (cb: (o?: unknown) => void) => void hideListeners.add(cb),
    offAppHide: (cb: (o?: unknown) => void) => void hideListeners.delete(cb),
    onNetworkStatusChange: (cb: (s: { isConnected: boolean; networkType: string }) => void) =>
      void networkListeners.add(cb),
    offNetworkStatusChange: (cb: (s: { isConnected: boolean; networkType: string }) => void) =>
      void networkListeners.delete(cb),
    request: (
      o: CallbackOptions & { url: string; method?: string; data?: unknown; header?: Record<string, string> },
    ) => {
      void fetch(o.url, {
        method: o.method ?? 'GET',
        headers: o.header ?? {},
        ...(o.data === undefined || o.method === 'GET' ? {} : { body: JSON.stringify(o.data) }),
      })
        .then(async (res) => {
          const text = await res.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON
          }
          settle(o, true, {
            statusCode: res.status,
            data,
            header: Object.fromEntries(res.headers),
            errMsg: 'request:ok',
          });
        })
        .catch((err: unknown) => settle(o, false, { errMsg: `request:fail ${String(err)}` }));
    },
  };

  // Any other API the runtime looks up is a no-op function (uni probes many at start).
  emulation.wx = new Proxy(api, {
    get(target, key) {
      if (typeof key === 'symbol') return undefined;
      if (key in target) return target[key];
      return () => undefined;
    },
  });
  return emulation;
}
