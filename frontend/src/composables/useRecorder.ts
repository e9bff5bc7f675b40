/**
 * @module useRecorder — the microphone as a composable: live frames in the voice protocol's format.
 *
 * The platform's recorder driver is injected (`platform.createRecorder()`: WeChat/Douyin PCM frames, H5
 * getUserMedia + AudioWorklet PCM, Alipay mp3 frames, or a file recording where a vendor has no frames).
 * This composable adds the state machine, the permission step, frame alignment (exact, even-length
 * ArrayBuffers for PCM; mp3 frames pass as they are: the server reassembles cut MPEG frames) and cleanup
 * on scope dispose.
 *
 * @example
 * const recorder = useRecorder({ driver: platform.createRecorder(), requestPermission: platform.requestRecordPermission });
 * await recorder.start((frame) => socket.emit('audio', frame));
 * await recorder.stop();
 */
import type { AudioFormat } from '@realtime-voice/shared/voice';
import { type ComputedRef, computed, type ShallowRef, shallowRef } from 'vue';
import type { PermissionResult, RecordedFile, RecorderDriver } from '../platform/types';
import { FrameAligner } from '../utils/pcm';
import { tryOnScopeDispose } from './scope';

/**
 * - `idle`: not recording. `starting`/`stopping`: in transition. `recording`: frames are flowing.
 * - `denied`: the user refused the microphone (prompt them to open settings).
 * - `error`: the recorder failed (see `error`).
 */
export type RecorderStatus = 'idle' | 'starting' | 'recording' | 'stopping' | 'denied' | 'error';

export interface UseRecorderOptions {
  /** The platform's recorder. */
  readonly driver: RecorderDriver;
  /** Asks for the microphone before the first start; omitted = the driver asks by itself. */
  readonly requestPermission?: () => Promise<PermissionResult>;
  /**
   * Called when recording ended without `stop()`: `paused` (app hidden, call), `stopped` (time limit),
   * `ended` (browser track). On file-only platforms the next `stop()` returns what was recorded until then.
   */
  readonly onInterrupted?: (reason: string) => void;
}

export interface UseRecorderReturn {
  readonly status: ShallowRef<RecorderStatus>;
  readonly error: ShallowRef<Error | undefined>;
  /** True while frames may arrive (`starting` or `recording`). */
  readonly isRecording: ComputedRef<boolean>;
  /** Whether this platform yields live frames (false: only a file at the end). */
  readonly live: boolean;
  /** The protocol format of the frames (`start`'s `format`), or false for a file-only recorder. */
  readonly format: AudioFormat | false;
  /** Audio bytes delivered in the current/last recording. */
  readonly bytes: ShallowRef<number>;
  /**
   * Starts recording; frames go to `onFrame`. Resolves false when permission was refused or the driver
   * failed (see `status` and `error`).
   */
  start(onFrame?: (frame: ArrayBuffer) => void): Promise<boolean>;
  /**
   * Stops; resolves after the last frame, with the file on file-only platforms — also the file of a
   * recording the platform ended by itself (time limit), once, if nothing started since.
   */
  stop(): Promise<RecordedFile | undefined>;
}

/** See the module example. */
export function useRecorder(options: UseRecorderOptions): UseRecorderReturn {
  const { driver } = options;
  const format: AudioFormat | false =
    driver.kind === 'pcm' ? 'pcm16le' : driver.kind === 'mp3' ? 'mp3' : false;
  const status = shallowRef<RecorderStatus>('idle');
  const error = shallowRef<Error | undefined>(undefined);
  const bytes = shallowRef(0);
  const aligner = new FrameAligner();
  let sink: ((frame: ArrayBuffer) => void) | undefined;
  /** Bumped on every start/stop so late callbacks of an old recording are ignored. */
  let generation = 0;
  /** The file of a recording the platform ended by itself, until `stop()` collects it. */
  let interruptedFile: RecordedFile | undefined;

  const deliver = (gen: number, frame: ArrayBuffer): void => {
    if (gen !== generation) return;
    const aligned = format === 'mp3' ? (frame.byteLength > 0 ? frame : undefined) : aligner.align(frame);
    if (!aligned) return;
    bytes.value += aligned.byteLength;
    sink?.(aligned);
  };

  const start = async (onFrame?: (frame: ArrayBuffer) => void): Promise<boolean> => {
    if (status.value === 'starting' || status.value === 'recording' || status.value === 'stopping')
      return false;
    error.value = undefined;
    interruptedFile = undefined;
    status.value = 'starting';
    const gen = ++generation;
    if (options.requestPermission) {
      let permission: PermissionResult;
      try {
        permission = await options.requestPermission();
      } catch (err) {
        if (gen !== generation) return false;
        generation++;
        error.value = err instanceof Error ? err : new Error(String(err));
        status.value = 'error';
        return false;
      }
      if (gen !== generation) return false;
      if (permission === 'denied') {
        status.value = 'denied';
        return false;
      }
    }
    sink = onFrame;
    bytes.value = 0;
    aligner.reset();
    try {
      await driver.start({
        onFrame: (frame) => deliver(gen, frame),
        onInterrupted: (reason, file) => {
          if (gen !== generation) return;
          generation++;
          sink = undefined;
          interruptedFile = file;
          status.value = 'idle';
          options.onInterrupted?.(reason);
        },
        onError: (err) => {
          if (gen !== generation) return;
          generation++;
          sink = undefined;
          error.value = err;
          status.value = 'error';
        },
      });
    } catch (err) {
      if (gen !== generation) return false;
      generation++;
      sink = undefined;
      const failure = err instanceof Error ? err : new Error(String(err));
      error.value = failure;
      status.value = isPermissionError(failure) ? 'denied' : 'error';
      return false;
    }
    // stop() was called while the driver was starting: stop it now that it can be stopped.
    if (gen !== generation) {
      await driver.stop().catch(() => undefined);
      return false;
    }
    status.value = 'recording';
    return true;
  };

  const stop = async (): Promise<RecordedFile | undefined> => {
    if (status.value === 'starting') {
      // start() notices the new generation after its await and stops the driver itself.
      generation++;
      sink = undefined;
      status.value = 'idle';
      return undefined;
    }
    if (status.value !== 'recording') {
      const file = interruptedFile;
      interruptedFile = undefined;
      return file;
    }
    status.value = 'stopping';
    const gen = generation;
    let file: RecordedFile | undefined;
    try {
      // Frames delivered during driver.stop() still belong to this recording.
      const result = await driver.stop();
      file = result ?? undefined;
    } catch (err) {
      error.value = err instanceof Error ? err : new Error(String(err));
    }
    if (gen === generation) generation++;
    sink = undefined;
    status.value = error.value ? 'error' : 'idle';
    return file;
  };

  tryOnScopeDispose(() => {
    if (status.value === 'recording' || status.value === 'starting') void stop();
  });

  return {
    status,
    error,
    isRecording: computed(() => status.value === 'starting' || status.value === 'recording'),
    live: format !== false,
    format,
    bytes,
    start,
    stop,
  };
}

/** Drivers signal refusal with a `NotAllowedError` (browsers) or an `auth deny` errMsg (mini-programs). */
function isPermissionError(err: Error): boolean {
  return (
    err.name === 'NotAllowedError' ||
    err.name === 'PermissionDeniedError' ||
    /auth|deny|denied|permission/i.test(err.message)
  );
}
