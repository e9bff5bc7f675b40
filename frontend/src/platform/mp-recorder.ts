/**
 * @module platform/mp-recorder — the mini-programs' microphone: the `scope.record` permission and drivers
 * over a vendor RecorderManager (live PCM, live mp3, or a file), written over `uni.*` where uni has it.
 */
import type {
  FileRecorderDriver,
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
