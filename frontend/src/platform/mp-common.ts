/**
 * @module platform/mp-common — pieces every mini-program target shares, written over `uni.*` (which the
 * uni runtime maps to `wx.*`, `my.*` or `tt.*`).
 */
import type {
  FileRecorderDriver,
  HttpClient,
  HttpRequest,
  KeyValueStorage,
  Mp3RecorderDriver,
  PcmRecorderDriver,
  PermissionResult,
  RecordedFile,
  RecorderHandlers,
} from './types';

/** The part of a vendor RecorderManager we use (WeChat, Douyin, Alipay all have this shape). */
/** What a vendor's `onStop` reports. */
interface StopResult {
  readonly tempFilePath?: string;
  readonly duration?: number;
}

export interface MpRecorderManager {
  start(options: Record<string, unknown>): void;
  stop(): void;
  onStart(callback: () => void): void;
  onStop(callback: (result: StopResult) => void): void;
  onFrameRecorded?(callback: (result: { frameBuffer: ArrayBuffer; isLastFrame?: boolean }) => void): void;
  onError(callback: (result: { errMsg?: string; errorMessage?: string }) => void): void;
  onPause?(callback: () => void): void;
  onInterruptionBegin?(callback: () => void): void;
}

/** Builds a URL with a query string, skipping undefined values. */
export function withQuery(base: string, query: HttpRequest['query']): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? base : `${base}${base.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

/** `uni.request` against `baseUrl` as an HttpClient: JSON in and out, never rejects for HTTP errors. */
export function uniHttp(baseUrl: string): HttpClient {
  return (request) =>
    new Promise((resolve, reject) => {
      uni.request({
        url: withQuery(`${baseUrl}${request.path}`, request.query),
        method: request.method,
        // Bytes go out as they are (the caller names their type); anything else as JSON.
        header: {
          ...(request.body !== undefined && !(request.body instanceof ArrayBuffer)
            ? { 'content-type': 'application/json' }
            : {}),
          ...request.headers,
        },
        ...(request.body !== undefined ? { data: request.body as UniApp.RequestOptions['data'] } : {}),
        dataType: 'json',
        success: (res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (err) => reject(new Error(err.errMsg || 'request failed')),
      });
    });
}

/** Reads a local file (a recording's temp path) as bytes. */
export function uniReadFile(filePath: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    uni.getFileSystemManager().readFile({
      filePath,
      success: (res) => {
        const { data } = res as { data: unknown };
        if (data instanceof ArrayBuffer) resolve(data);
        else reject(new Error('readFile: expected binary data'));
      },
      fail: (err) => reject(new Error(err.errMsg || 'readFile failed')),
    });
  });
}

export const uniStorage: KeyValueStorage = {
  get(key) {
    const value: unknown = uni.getStorageSync(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  },
  set(key, value) {
    uni.setStorageSync(key, value);
  },
};

export function uniConfirm(
  title: string,
  content: string,
  confirmText: string,
  cancelText: string,
): Promise<boolean> {
  return new Promise((resolve) => {
    uni.showModal({
      title,
      content,
      confirmText,
      cancelText,
      success: (res) => resolve(res.confirm === true),
      fail: () => resolve(false),
    });
  });
}

export function uniToast(message: string): void {
  uni.showToast({ title: message, icon: 'none', duration: 2000 });
}

/** Asks for `scope.record` (WeChat, Douyin). A refusal is remembered by the platform: settings only. */
export function uniAuthorizeRecord(): Promise<PermissionResult> {
  return new Promise((resolve) => {
    uni.authorize({
      scope: 'scope.record',
      success: () => resolve('granted'),
      fail: () => resolve('denied'),
    });
  });
}

/** Routes one long-lived RecorderManager's callbacks (registered once: there is no `off*`) to a recording. */
class RecorderRouter {
  handlers: RecorderHandlers | undefined;
  /** A file recorder's view of the platform's stop result (live recorders have none). */
  private toFile: ((result: StopResult) => RecordedFile | undefined) | undefined;
  private startWaiter: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private stopWaiter: ((result: StopResult) => void) | undefined;

  constructor(readonly manager: MpRecorderManager) {
    manager.onStart(() => {
      this.startWaiter?.resolve();
      this.startWaiter = undefined;
    });
    manager.onFrameRecorded?.(({ frameBuffer }) => {
      if (frameBuffer && frameBuffer.byteLength > 0) this.handlers?.onFrame(frameBuffer);
    });
    manager.onStop((result) => {
      const waiter = this.stopWaiter;
      this.stopWaiter = undefined;
      if (waiter) {
        waiter(result ?? {});
        return;
      }
      // Not asked to stop: the time limit, or the system ended it. A file recorder's file holds the take.
      const handlers = this.handlers;
      this.handlers = undefined;
      handlers?.onInterrupted('stopped', this.toFile?.(result ?? {}));
    });
    manager.onError((result) => {
      const error = new Error(result?.errMsg || result?.errorMessage || 'recorder error');
      if (this.startWaiter) {
        this.startWaiter.reject(error);
        this.startWaiter = undefined;
        return;
      }
      const handlers = this.handlers;
      this.handlers = undefined;
      this.stopWaiter?.({});
      this.stopWaiter = undefined;
      handlers?.onError(error);
    });
    // WeChat pauses the recorder when the app goes to the background or a call comes in: end the take.
    const interrupted = () => {
      const handlers = this.handlers;
      if (!handlers) return;
      this.handlers = undefined;
      const toFile = this.toFile;
      // The platform still writes the file: hand it over with the interruption (file recorders upload it).
      this.stopWaiter = (result) => handlers.onInterrupted('paused', toFile?.(result));
      try {
        manager.stop();
      } catch {
        this.stopWaiter = undefined;
        handlers.onInterrupted('paused');
      }
    };
    manager.onPause?.(interrupted);
    manager.onInterruptionBegin?.(interrupted);
  }

  start(
    options: Record<string, unknown>,
    handlers: RecorderHandlers,
    toFile?: (result: StopResult) => RecordedFile | undefined,
  ): Promise<void> {
    this.handlers = handlers;
    this.toFile = toFile;
    return new Promise((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      try {
        this.manager.start(options);
      } catch (err) {
        this.startWaiter = undefined;
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  stop(): Promise<StopResult> {
    return new Promise((resolve) => {
      this.stopWaiter = (result) => {
        this.handlers = undefined;
        resolve(result);
      };
      try {
        this.manager.stop();
      } catch {
        this.stopWaiter = undefined;
        this.handlers = undefined;
        resolve({});
      }
    });
  }
}

const routers = new WeakMap<MpRecorderManager, RecorderRouter>();
function routerFor(manager: MpRecorderManager): RecorderRouter {
  let router = routers.get(manager);
  if (!router) {
    router = new RecorderRouter(manager);
    routers.set(manager, router);
  }
  return router;
}

/**
 * A PCM recorder over a vendor RecorderManager. `format` is the vendor's spelling (`PCM` on WeChat,
 * `pcm` on Douyin); `maxDurationMs` its documented largest `duration` (WeChat 10 min, Douyin 60 s), after
 * which the recorder stops by itself. 4 KB frames ≈ 128 ms: small enough for a lively partial line, few
 * enough events.
 */
export function mpPcmRecorder(
  manager: MpRecorderManager,
  format: string,
  maxDurationMs: number,
): PcmRecorderDriver {
  const router = routerFor(manager);
  return {
    kind: 'pcm',
    start: (handlers) =>
      router.start(
        {
          format,
          sampleRate: 16_000,
          numberOfChannels: 1,
          encodeBitRate: 48_000,
          frameSize: 4,
          duration: maxDurationMs,
        },
        handlers,
      ),
    stop: async () => {
      await router.stop();
    },
  };
}

/**
 * An mp3 frame recorder (Alipay: frames only as mp3). 16 kHz mono at 48 kbit/s (Alipay's table allows
 * 24–96 at 16 kHz): the server then skips resampling. 1 KB frames ≈ 170 ms, close to WeChat's 128 ms PCM
 * frames, so the partial line is as lively. Alipay records at most 3 minutes.
 */
export function mpMp3Recorder(manager: MpRecorderManager): Mp3RecorderDriver {
  const router = routerFor(manager);
  return {
    kind: 'mp3',
    start: (handlers) =>
      router.start(
        {
          format: 'mp3',
          sampleRate: 16_000,
          numberOfChannels: 1,
          encodeBitRate: 48_000,
          frameSize: 1,
          duration: 180_000,
        },
        handlers,
      ),
    stop: async () => {
      await router.stop();
    },
  };
}

/** A file recorder, for vendors whose recorder gives no frames (Baidu): record, then upload. */
export function mpFileRecorder(manager: MpRecorderManager, format: string): FileRecorderDriver {
  const router = routerFor(manager);
  let startedAt = 0;
  const toFile = (result: StopResult): RecordedFile | undefined =>
    result.tempFilePath
      ? { filePath: result.tempFilePath, format, durationMs: result.duration ?? Date.now() - startedAt }
      : undefined;
  return {
    kind: 'file',
    start: async (handlers) => {
      startedAt = Date.now();
      await router.start(
        { format, sampleRate: 16_000, numberOfChannels: 1, duration: 180_000 },
        handlers,
        // At the 3-minute limit the recorder stops by itself: its file is the take, not a loss.
        toFile,
      );
    },
    stop: async () => toFile(await router.stop()),
  };
}
