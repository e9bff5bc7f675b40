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
 *
 * The take's life is the state machine of `voice-take-state.ts`: every input (press, release, acks, the
 * microphone, server errors, the connection) is an event; this file only runs the effects a transition
 * returns and shows the state's phase. No flags of its own.
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
import {
  initialTakeState,
  shownPhase,
  type TakeEffect,
  type TakeEvent,
  type TakeMessage,
  type TakeMode,
  type TakeStartAck,
  type TakeState,
  transition,
} from './voice-take-state';

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

/** Why a take was interrupted from outside (see {@link TakeEvent} `interrupted`). */
export type TakeInterruption = Extract<TakeEvent, { type: 'interrupted' }>['cause'];

/** See the module comment. */
export function useRealtimeVoice(options: UseRealtimeVoiceOptions) {
  const { socket: io, recorder } = options;
  const ackTimeoutMs = options.ackTimeoutMs ?? 15_000;
  const store = useTranscriptStore();
  store.setLive(recorder.live);
  const { socket } = io;
  const mode: TakeMode = recorder.live ? 'live' : options.recognizeFile ? 'upload' : 'record-only';

  let state: TakeState = initialTakeState;
  /** Presses waiting for the ending take to be over. */
  let onIdle: (() => void)[] = [];

  /**
   * Applies an event: the next state (and the phase the page shows) at once, then its effects in order.
   * Resolves when the effects and the events they led to are done, with whether a take began meanwhile.
   */
  function dispatch(event: TakeEvent): Promise<boolean> {
    const before = state;
    const step = transition(state, event);
    state = step.state;
    if (state.phase === 'idle' && before.phase !== 'idle') store.endSession();
    else if (state !== before) store.setPhase(shownPhase(state));
    if (state.phase === 'idle' && onIdle.length > 0) {
      const waiting = onIdle;
      onIdle = [];
      for (const resume of waiting) resume();
    }
    return run(step.effects);
  }

  /** Runs effects in order; effects without waiting run synchronously (frames keep their order). */
  async function run(effects: readonly TakeEffect[]): Promise<boolean> {
    let began = false;
    for (const effect of effects) {
      const outcome = perform(effect);
      if (outcome === true || (outcome instanceof Promise && (await outcome))) began = true;
    }
    return began;
  }

  function perform(effect: TakeEffect): boolean | Promise<boolean> | undefined {
    switch (effect.type) {
      case 'say':
        if (!effect.ifQuiet || !store.error) store.fail(messageText(effect.message));
        return;
      case 'clear-error':
        store.clearError();
        return;
      case 'start':
        return startTake(effect.take);
      case 'begin':
        if (effect.sessionId !== undefined) store.beginSession(effect.sessionId);
        return true;
      case 'send':
        for (const frame of effect.frames) socket.emit('audio', frame);
        return;
      case 'stop-mic':
        return recorder.stop().then((file) => dispatch({ type: 'mic-stopped', take: effect.take, file }));
      case 'collect':
        return collect(effect.take);
      case 'upload':
        return upload(effect.take, effect.file);
      case 'release':
        return release(effect);
      case 'accept':
        for (const record of effect.records) accept(record);
        return;
      case 'after-end':
        return new Promise<void>((resume) => onIdle.push(resume)).then(() =>
          dispatch({ type: 'press', mode, connected: io.status.value === 'connected', queued: true }),
        );
    }
  }

  /** Microphone and session start together: the ack takes a round trip, the microphone a moment too. */
  async function startTake(take: number): Promise<boolean> {
    if (mode !== 'live') {
      const micOk = await recorder.start();
      return dispatch({ type: 'started', take, micOk, micFailed: recorder.status.value === 'error' });
    }
    const [micOk, ack] = await Promise.all([
      recorder.start((frame) => void dispatch({ type: 'frame', frame })),
      emitStart().catch((err: unknown): TakeStartAck => ({ ok: false, error: toVoiceError(err) })),
    ]);
    return dispatch({ type: 'started', take, micOk, micFailed: recorder.status.value === 'error', ack });
  }

  async function collect(take: number): Promise<boolean> {
    let ack: StopAck;
    try {
      ack = await emitStop();
    } catch (err) {
      return dispatch({ type: 'stop-failed', take, text: toVoiceError(err).message });
    }
    return dispatch({ type: 'stop-acked', take, ack });
  }

  async function upload(take: number, file: RecordedFile): Promise<boolean> {
    let records: readonly TranscriptRecord[];
    try {
      records = options.recognizeFile ? await options.recognizeFile(file) : [];
    } catch (err) {
      return dispatch({
        type: 'upload-failed',
        take,
        text: err instanceof Error ? err.message : strings.errors.generic,
      });
    }
    return dispatch({ type: 'uploaded', take, records });
  }

  async function release(effect: Extract<TakeEffect, { type: 'release' }>): Promise<boolean> {
    if (effect.mic) await recorder.stop();
    if (effect.session === 'stop') await emitStop().catch(() => undefined);
    else if (effect.session === 'stop-later') void emitStop().catch(() => undefined);
    return effect.report ? dispatch({ type: 'released', take: effect.take }) : false;
  }

  /** Why the microphone failed, in the user's words. */
  const micFailure = (): string =>
    strings.record.micFailed(recorder.error.value?.message ?? strings.errors.generic);

  function messageText(message: TakeMessage): string {
    switch (message.kind) {
      case 'not-connected':
        return strings.record.notConnected;
      case 'mic-failed':
        return micFailure();
      case 'nothing-recognized':
        return strings.record.nothingRecognized;
      case 'too-short':
        return strings.record.tooShort;
      case 'network-lost':
        return strings.record.interruptedByNetwork;
      case 'interrupted':
        return strings.record.interrupted;
      case 'limit-reached':
        return strings.record.limitReached;
      case 'server':
        return sessionErrorText(message.error);
      case 'text':
        return message.text;
    }
  }

  const accept = (record: TranscriptRecord): void => {
    store.addResult(record);
    options.onRecord?.(record);
  };

  const onPartial: VoiceServerToClientEvents['partial'] = ({ sessionId, text }) =>
    store.setPartial(sessionId, text);
  const onResult: VoiceServerToClientEvents['result'] = ({ record }) => {
    accept(record);
    void dispatch({ type: 'heard', sessionId: record.sessionId });
  };
  const onSessionError: VoiceServerToClientEvents['session-error'] = (err) => {
    if (err.sessionId !== undefined && err.sessionId !== store.sessionId) return;
    void dispatch({ type: 'session-error', error: err, scoped: err.sessionId !== undefined });
  };
  socket.on('partial', onPartial);
  socket.on('result', onResult);
  socket.on('session-error', onSessionError);

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

  /**
   * Starts a take (a press). Resolves true once it began, false when it could not (see `store.error`,
   * `recorder.status`). A press while the last take still ends waits for it, unless let go meanwhile.
   */
  function start(): Promise<boolean> {
    return dispatch({ type: 'press', mode, connected: io.status.value === 'connected' });
  }

  /** Ends the take (a release); resolves after the final results arrived (or the timeout). */
  async function stop(): Promise<void> {
    await dispatch({ type: 'release' });
  }

  /** Stops the microphone and forgets the session without waiting for results (connection lost). */
  async function abort(): Promise<void> {
    await dispatch({ type: 'abort' });
  }

  /** The app went to the background, or the recorder ended by itself: say why and end the take. */
  async function interrupt(cause: TakeInterruption): Promise<void> {
    await dispatch({ type: 'interrupted', cause });
  }

  /** Toggle mode: start when idle, stop when recording. */
  async function toggle(): Promise<void> {
    if (state.phase === 'idle') await start();
    else await stop();
  }

  // The recorder failed mid-take: end the take as if released (the server flushes what it heard), and say why.
  const stopRecorderWatch = watch(recorder.status, (status) => {
    if (status === 'error') void dispatch({ type: 'mic-failed' });
  });

  // The server drops a session whose connection is gone; stop the microphone instead of talking to no one.
  const stopWatch = watch(io.status, (status) => {
    void dispatch({ type: 'connection', connected: status === 'connected' });
  });

  tryOnScopeDispose(() => {
    stopWatch();
    stopRecorderWatch();
    socket.off('partial', onPartial);
    socket.off('result', onResult);
    socket.off('session-error', onSessionError);
    void dispatch({ type: 'abort' });
  });

  const { phase, partial, results, error, sessionId, live } = storeToRefs(store);
  return { phase, partial, results, error, sessionId, live, start, stop, toggle, abort, interrupt };
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
