/**
 * @module useRealtimeVoice — one voice session over the socket: start, stream frames, stop, partial/final.
 *
 * Built on {@link useSocketIO} and {@link useRecorder}; the state lives in the transcript store so any
 * component can show it. Frames go out in the recorder's format (PCM, or mp3 on Alipay, named in `start`).
 * Recorders without frames (Baidu) record a file and recognise it over HTTP instead (`recognizeFile`);
 * the page then says live text is not available.
 *
 * Ordering: frames recorded before the server acknowledged `start` are held and sent right after the ack,
 * so the first syllable is neither lost nor sent before the session exists.
 */

import type {
  StartAck,
  StopAck,
  TranscriptRecord,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { storeToRefs } from 'pinia';
import type { ClientError } from 'socket.io-miniprogram';
import { watch } from 'vue';
import { serverErrorText, strings } from '../locale/strings';
import type { RecordedFile } from '../platform/types';
import { useTranscriptStore } from '../stores/transcript';
import { tryOnScopeDispose } from './scope';
import type { UseRecorderReturn } from './useRecorder';
import type { UseSocketIOReturn } from './useSocketIO';

export type VoiceSocket = UseSocketIOReturn<VoiceServerToClientEvents, VoiceClientToServerEvents>;

export interface UseRealtimeVoiceOptions {
  readonly socket: VoiceSocket;
  readonly recorder: UseRecorderReturn;
  readonly language?: string | undefined;
  readonly engine?: string | undefined;
  /** How long to wait for the `start`/`stop` acks (default 15 s: stop waits for the last utterance). */
  readonly ackTimeoutMs?: number;
  /** File-only platforms: recognise a finished recording (`POST /api/recognize`). */
  readonly recognizeFile?: (file: RecordedFile) => Promise<readonly TranscriptRecord[]>;
  /** Called with every stored record (live `result`, `stop` ack, upload answer). */
  readonly onRecord?: (record: TranscriptRecord) => void;
}

/** At most this much audio is held while waiting for the `start` ack (10 s at 32 kB/s). */
const MAX_PENDING_BYTES = 320_000;

/** See the module comment. */
export function useRealtimeVoice(options: UseRealtimeVoiceOptions) {
  const { socket: io, recorder } = options;
  const ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
  const store = useTranscriptStore();
  store.setLive(recorder.live);
  const { socket } = io;

  let pending: ArrayBuffer[] = [];
  let pendingBytes = 0;
  let streaming = false;
  /** Set when stop() comes while still starting: stop as soon as start settles. */
  let stopRequested = false;
  /** Final results of the current session, to say so when a take recognised nothing. */
  let sessionResults = 0;
  /** The server ended the current take with a session error (reset by `start`). */
  let endedByServer = false;
  /** Bumped by abort(): a start() that was waiting notices its take was abandoned. */
  let takes = 0;
  /** The take being ended (`stop()` in progress), and a `start()` waiting for it. */
  let ending: Promise<void> | undefined;
  let waitingToStart = false;

  /** Why the microphone failed, in the user's words. */
  const micFailure = (): string =>
    strings.record.micFailed(recorder.error.value?.message ?? strings.errors.generic);

  const accept = (record: TranscriptRecord): void => {
    if (record.sessionId === store.sessionId) sessionResults++;
    store.addResult(record);
    options.onRecord?.(record);
  };

  const onPartial: VoiceServerToClientEvents['partial'] = ({ sessionId, text }) =>
    store.setPartial(sessionId, text);
  const onResult: VoiceServerToClientEvents['result'] = ({ record }) => accept(record);
  const onSessionError: VoiceServerToClientEvents['session-error'] = (err) => {
    if (err.sessionId !== undefined && err.sessionId !== store.sessionId) return;
    // Frames already on their way when the server ended the take (a limit, bad mp3) come back as
    // NO_SESSION: the error that ended it is what the user needs to read.
    if (err.code === 'NO_SESSION' && err.sessionId === undefined && endedByServer) return;
    if (err.sessionId !== undefined) endedByServer = true;
    store.fail(sessionErrorText(err));
    if (store.phase === 'recording' || store.phase === 'starting') void abort();
  };
  socket.on('partial', onPartial);
  socket.on('result', onResult);
  socket.on('session-error', onSessionError);

  const sendFrame = (frame: ArrayBuffer): void => {
    if (streaming) {
      socket.emit('audio', frame);
      return;
    }
    if (pendingBytes + frame.byteLength > MAX_PENDING_BYTES) return;
    pending.push(frame);
    pendingBytes += frame.byteLength;
  };

  /** Stops the microphone and forgets the session without waiting for results (connection lost). */
  const abort = async (): Promise<void> => {
    takes++;
    streaming = false;
    pending = [];
    pendingBytes = 0;
    await recorder.stop();
    store.endSession();
  };

  function emitStart(): Promise<StartAck> {
    return socket.timeout(ackTimeoutMs).emitWithAck('start', {
      // mp3 streams say their own rate in every frame header; PCM is 16 kHz (the default format).
      ...(recorder.format === 'mp3' ? { format: 'mp3' as const } : { sampleRate: 16_000 }),
      ...(options.language ? { language: options.language } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
    });
  }

  function emitStop(): Promise<StopAck> {
    return socket.timeout(ackTimeoutMs).emitWithAck('stop');
  }

  /** Starts a session. Resolves false when it could not (see `store.error`, `recorder.status`). */
  async function start(): Promise<boolean> {
    // A press right after a release (walkie-talkie use): the previous take is still ending; start once it
    // has, unless the button was released meanwhile.
    if (ending) {
      waitingToStart = true;
      stopRequested = false;
      await ending.catch(() => undefined);
      waitingToStart = false;
      if (stopRequested) return false;
    }
    if (store.phase !== 'idle') return false;
    store.clearError();
    stopRequested = false;
    endedByServer = false;
    if (!recorder.live) {
      store.setPhase('starting');
      const ok = await recorder.start();
      if (!ok && recorder.status.value === 'error') store.fail(micFailure());
      store.setPhase(ok ? 'recording' : 'idle');
      if (ok && stopRequested) await stop();
      return ok;
    }
    if (io.status.value !== 'connected') {
      store.fail(strings.record.notConnected);
      return false;
    }
    store.setPhase('starting');
    const take = ++takes;
    pending = [];
    pendingBytes = 0;
    streaming = false;
    // Microphone and session start together: the ack takes a round trip, the microphone a moment too.
    const [micOk, ack] = await Promise.all([
      recorder.start(sendFrame),
      emitStart().catch((err: unknown) => ({ ok: false, error: toVoiceError(err) }) as const),
    ]);
    if (take !== takes) {
      // Aborted while starting (session error, connection lost): close what did start, stay idle.
      if (micOk) await recorder.stop();
      if (ack.ok) await emitStop().catch(() => undefined);
      pending = [];
      pendingBytes = 0;
      return false;
    }
    if (!ack.ok || !micOk) {
      if (micOk) await recorder.stop();
      if (ack.ok) await emitStop().catch(() => undefined);
      // The server may open the session after we gave up waiting: end it, or the next start gets SESSION_ACTIVE.
      else if (ack.error.code === 'ACK_TIMEOUT') void emitStop().catch(() => undefined);
      // The microphone's own reason first (permission refusals show their banner instead).
      if (!micOk && recorder.status.value === 'error') store.fail(micFailure());
      else if (!ack.ok) store.fail(sessionErrorText(ack.error));
      pending = [];
      pendingBytes = 0;
      store.endSession();
      return false;
    }
    store.beginSession(ack.sessionId);
    sessionResults = 0;
    streaming = true;
    for (const frame of pending) socket.emit('audio', frame);
    pending = [];
    pendingBytes = 0;
    store.setPhase('recording');
    if (stopRequested) await stop();
    return true;
  }

  /** Ends the session; resolves after the final results arrived (or the timeout). */
  async function stop(): Promise<void> {
    if (store.phase === 'starting' || waitingToStart) {
      stopRequested = true;
      return;
    }
    if (store.phase !== 'recording') return;
    ending = endTake();
    try {
      await ending;
    } finally {
      ending = undefined;
    }
  }

  /** Stops the microphone and the session, and collects the results (or uploads the file). */
  async function endTake(): Promise<void> {
    store.setPhase('stopping');
    const file = await recorder.stop();
    if (!recorder.live) {
      await finishFile(file);
      return;
    }
    streaming = false;
    try {
      const ack = await emitStop();
      if (ack.ok) {
        for (const record of ack.records) accept(record);
        // An earlier message (interrupted, session error) says more than "nothing recognised".
        if (sessionResults === 0 && !store.error) store.fail(strings.record.nothingRecognized);
      } else store.fail(sessionErrorText(ack.error));
    } catch (err) {
      store.fail(toVoiceError(err).message);
    }
    store.endSession();
  }

  async function finishFile(file: RecordedFile | undefined): Promise<void> {
    if (!file || !options.recognizeFile) {
      // An earlier message (the recording was interrupted) says more than "too short".
      if (!file && !store.error) store.fail(strings.record.tooShort);
      store.endSession();
      return;
    }
    store.setPhase('uploading');
    try {
      const records = await options.recognizeFile(file);
      for (const record of records) accept(record);
      if (records.length === 0) store.fail(strings.record.tooShort);
    } catch (err) {
      store.fail(err instanceof Error ? err.message : strings.errors.generic);
    }
    store.endSession();
  }

  /** Toggle mode: start when idle, stop when recording. */
  async function toggle(): Promise<void> {
    if (store.phase === 'idle') await start();
    else await stop();
  }

  // The recorder failed mid-take: end the take as if released (the server flushes what it heard), and say why.
  const stopRecorderWatch = watch(recorder.status, (status) => {
    if (status === 'error' && store.phase === 'recording') {
      store.fail(micFailure());
      void stop();
    }
  });

  // The server drops a session whose connection is gone; stop the microphone instead of talking to no one.
  // When the server already ended the take (and said why), the microphone is being released: its reason
  // stays on screen rather than a generic "connection lost".
  const stopWatch = watch(io.status, (status) => {
    if (
      status !== 'connected' &&
      recorder.live &&
      !endedByServer &&
      (store.phase === 'recording' || store.phase === 'starting')
    ) {
      store.fail(strings.record.interruptedByNetwork);
      void abort();
    }
  });

  tryOnScopeDispose(() => {
    stopWatch();
    stopRecorderWatch();
    socket.off('partial', onPartial);
    socket.off('result', onResult);
    socket.off('session-error', onSessionError);
    if (store.phase === 'recording' || store.phase === 'starting') void abort();
  });

  const { phase, partial, results, error, sessionId, live } = storeToRefs(store);
  return { phase, partial, results, error, sessionId, live, start, stop, toggle, abort };
}

export type UseRealtimeVoiceReturn = ReturnType<typeof useRealtimeVoice>;

/** The user's words for a server error code; the server's own text for codes the app does not know. */
function sessionErrorText(error: { readonly code: string; readonly message: string }): string {
  return serverErrorText(error);
}

function toVoiceError(err: unknown): { code: string; message: string } {
  const clientError = err as Partial<ClientError> | undefined;
  if (clientError?.code === 'ACK_TIMEOUT') return { code: 'ACK_TIMEOUT', message: strings.errors.timeout };
  if (clientError?.code === 'DISCONNECTED' || clientError?.code === 'TRANSPORT_CLOSED') {
    return { code: clientError.code, message: strings.record.interruptedByNetwork };
  }
  return {
    code: typeof clientError?.code === 'string' ? clientError.code : 'ERROR',
    message: err instanceof Error && err.message ? err.message : strings.errors.sessionFailed,
  };
}
