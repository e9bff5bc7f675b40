/**
 * @module voice-take-state — the life of one take (press → recording → results) as a state machine, kept
 * apart from its effects (microphone, socket, store) so every rule is in one table and testable alone.
 * The model is the backend's `services/voice/session-state.ts`; `useRealtimeVoice` runs the effects.
 *
 *   idle ─press─▶ starting ─started─▶ recording ─release─▶ stopping ─stop ack─▶ idle
 *                    │ (failed, abort)       │ (abort)          └─file─▶ uploading ─answer─▶ idle
 *                    └────────────▶ releasing ◀┘ ─released─▶ idle
 *
 * Every state carries its take number: an answer of an older take (a start ack that arrives after the take
 * was abandoned) is recognised as such and only closes what it opened. What used to be nine closure flags
 * is data of the one state it belongs to: frames held before the start ack (`starting.pending`), a release
 * during the start (`starting.stopRequested`), a press while the last take still ends (`pressAgain`), the
 * results heard (`heard`), the server having ended the take (`endedByServer`, kept until the next press).
 *
 * `transition` is pure: it returns the next state and the effects to run, in order. An event that does not
 * apply leaves the state unchanged (the same object) with no effects.
 */
import type { StartAck, StopAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';

/**
 * Why a take failed: a server error (`VoiceError`, a catalogue code) or the client's own failure to get
 * an answer (`ACK_TIMEOUT`, `DISCONNECTED`, … from `socket.io-miniprogram`).
 */
export interface TakeFailure {
  readonly code: string;
  readonly message: string;
}

/** The `start` answer, or the client's failure to get one. */
export type TakeStartAck = StartAck | { readonly ok: false; readonly error: TakeFailure };

import type { RecordedFile } from '../platform/types';

/** At most this much audio is held while waiting for the `start` ack (10 s at 32 kB/s). */
export const MAX_PENDING_BYTES = 320_000;

/** How a take reaches the server: streamed live, or recorded then uploaded (or only recorded, no API). */
export type TakeMode = 'live' | 'upload' | 'record-only';

interface TakeBase {
  /** Counts presses that started a take; answers of an older take are stale. */
  readonly take: number;
  /** The server ended this take with a session error: its later NO_SESSION echoes are not news. */
  readonly endedByServer: boolean;
}

export type TakeState =
  /** Nothing running. `pressAgain`: the button was pressed while the last take ended and not let go. */
  | (TakeBase & { readonly phase: 'idle'; readonly pressAgain: boolean })
  /** Waiting for the microphone and the `start` ack; frames are held. */
  | (TakeBase & {
      readonly phase: 'starting';
      readonly mode: TakeMode;
      readonly stopRequested: boolean;
      readonly pending: readonly ArrayBuffer[];
      readonly pendingBytes: number;
    })
  /** Frames stream (live) or the file records. `heard`: final results of this session so far. */
  | (TakeBase & {
      readonly phase: 'recording';
      readonly mode: TakeMode;
      readonly sessionId: string | undefined;
      readonly heard: number;
    })
  /** The microphone stops, then the `stop` ack brings the last results (or the file is collected). */
  | (TakeBase & {
      readonly phase: 'stopping';
      readonly mode: TakeMode;
      readonly sessionId: string | undefined;
      readonly heard: number;
      readonly pressAgain: boolean;
    })
  /** File platforms: the recording is being recognised over HTTP. */
  | (TakeBase & { readonly phase: 'uploading'; readonly pressAgain: boolean })
  /**
   * The take was abandoned (aborted, or its start failed): the microphone (and a session the server
   * opened) are being closed without waiting for results. The page keeps showing `shown` until they are,
   * so no new take starts on a microphone still stopping.
   */
  | (TakeBase & { readonly phase: 'releasing'; readonly shown: 'starting' | 'recording' });

export type TakePhase = TakeState['phase'];

/** What the user is told; `useRealtimeVoice` puts it in words (locale). */
export type TakeMessage =
  | { readonly kind: 'not-connected' | 'mic-failed' | 'nothing-recognized' | 'too-short' }
  | { readonly kind: 'network-lost' | 'interrupted' | 'limit-reached' }
  /** A server error code: the user's words for it, or the server's text for codes the app does not know. */
  | { readonly kind: 'server'; readonly error: TakeFailure }
  /** Already a sentence (a transport or upload failure). */
  | { readonly kind: 'text'; readonly text: string };

/** What `release` closes: the session the server opened is stopped (awaited), stopped later, or kept. */
export type SessionClose = 'stop' | 'stop-later' | 'keep';

export type TakeEffect =
  /** Show a message; `ifQuiet`: only when nothing was said yet (an earlier reason says more). */
  | { readonly type: 'say'; readonly message: TakeMessage; readonly ifQuiet?: true }
  | { readonly type: 'clear-error' }
  /** Start the microphone (and, live, emit `start`); then dispatch `started`. */
  | { readonly type: 'start'; readonly take: number; readonly mode: TakeMode }
  /** The session began: show it (live: its id). Resolves the press as a take that started. */
  | { readonly type: 'begin'; readonly sessionId: string | undefined }
  | { readonly type: 'send'; readonly frames: readonly ArrayBuffer[] }
  /** Stop the microphone (collecting the file); then dispatch `mic-stopped`. */
  | { readonly type: 'stop-mic'; readonly take: number }
  /** Emit `stop` and wait for the last results; then dispatch `stop-acked` / `stop-failed`. */
  | { readonly type: 'collect'; readonly take: number }
  /** Recognise the file; then dispatch `uploaded` / `upload-failed`. */
  | { readonly type: 'upload'; readonly take: number; readonly file: RecordedFile }
  /** Close without results; with `report`, dispatch `released` after. */
  | {
      readonly type: 'release';
      readonly take: number;
      readonly mic: boolean;
      readonly session: SessionClose;
      readonly report: boolean;
    }
  | { readonly type: 'accept'; readonly records: readonly TranscriptRecord[] }
  /** Wait until the ending take is over, then dispatch a `press` with `queued`. */
  | { readonly type: 'after-end' };

export type TakeEvent =
  /** The button (or `start()`); `queued`: the press that waited for the previous take to end. */
  | { readonly type: 'press'; readonly mode: TakeMode; readonly connected: boolean; readonly queued?: true }
  /** The button let go (or `stop()`). */
  | { readonly type: 'release' }
  /** Stop at once, without results (`abort()`, the page going away). */
  | { readonly type: 'abort' }
  | { readonly type: 'frame'; readonly frame: ArrayBuffer }
  /** Microphone and `start` ack settled (`ack` undefined: no session, file platforms). */
  | {
      readonly type: 'started';
      readonly take: number;
      readonly micOk: boolean;
      /** The microphone failed for a reason to show (not a permission refusal, which has its banner). */
      readonly micFailed: boolean;
      readonly ack?: TakeStartAck;
    }
  | { readonly type: 'released'; readonly take: number }
  | { readonly type: 'mic-stopped'; readonly take: number; readonly file: RecordedFile | undefined }
  | { readonly type: 'stop-acked'; readonly take: number; readonly ack: StopAck }
  | { readonly type: 'stop-failed'; readonly take: number; readonly text: string }
  | { readonly type: 'uploaded'; readonly take: number; readonly records: readonly TranscriptRecord[] }
  | { readonly type: 'upload-failed'; readonly take: number; readonly text: string }
  /** A live `result` event of session `sessionId`. */
  | { readonly type: 'heard'; readonly sessionId: string }
  /** A `session-error` about our session (`scoped`: it names it) or the connection (no session id). */
  | { readonly type: 'session-error'; readonly error: VoiceError; readonly scoped: boolean }
  | { readonly type: 'connection'; readonly connected: boolean }
  /** The recorder failed mid-take. */
  | { readonly type: 'mic-failed' }
  /** The app went to the background, or the recorder ended by itself (time limit, or paused by a call). */
  | { readonly type: 'interrupted'; readonly cause: 'background' | 'recorder-limit' | 'recorder-paused' };

export interface TakeStep {
  readonly state: TakeState;
  readonly effects: readonly TakeEffect[];
}

/** The state before the first take. */
export const initialTakeState: TakeState = {
  phase: 'idle',
  take: 0,
  endedByServer: false,
  pressAgain: false,
};

/** The phase the page shows (`releasing` keeps showing what was abandoned until the microphone is off). */
export function shownPhase(state: TakeState): Exclude<TakePhase, 'releasing'> {
  return state.phase === 'releasing' ? state.shown : state.phase;
}

const stay = (state: TakeState): TakeStep => ({ state, effects: [] });
const idle = (state: TakeState, pressAgain = false): TakeState => ({
  phase: 'idle',
  take: state.take,
  endedByServer: state.endedByServer,
  pressAgain,
});

/** The next state and the effects to run, in order. See the module comment. */
export function transition(state: TakeState, event: TakeEvent): TakeStep {
  switch (event.type) {
    case 'press':
      return press(state, event);
    case 'release':
      return release(state);
    case 'abort':
      return abort(state);
    case 'frame':
      return frame(state, event.frame);
    case 'started':
      return started(state, event);
    case 'released':
      return state.phase === 'releasing' && state.take === event.take ? stay(idle(state)) : stay(state);
    case 'mic-stopped':
      return micStopped(state, event.take, event.file);
    case 'stop-acked':
    case 'stop-failed':
      return collected(state, event);
    case 'uploaded':
    case 'upload-failed':
      return uploaded(state, event);
    case 'heard':
      if ((state.phase === 'recording' || state.phase === 'stopping') && state.sessionId === event.sessionId)
        return stay({ ...state, heard: state.heard + 1 });
      return stay(state);
    case 'session-error':
      return sessionError(state, event.error, event.scoped);
    case 'connection':
      // Only a loss matters: a take never outlives its connection, and a regained one starts nothing.
      if (
        !event.connected &&
        !state.endedByServer &&
        (state.phase === 'starting' || state.phase === 'recording') &&
        state.mode === 'live'
      )
        return saying({ kind: 'network-lost' }, abort(state));
      return stay(state);
    case 'mic-failed':
      return state.phase === 'recording' ? saying({ kind: 'mic-failed' }, release(state)) : stay(state);
    case 'interrupted':
      if (event.cause !== 'background')
        return saying(
          { kind: event.cause === 'recorder-limit' ? 'limit-reached' : 'interrupted' },
          release(state),
        );
      if (state.phase === 'starting' || state.phase === 'recording')
        return saying({ kind: 'interrupted' }, release(state));
      return stay(state);
  }
}

/** A message first, then what the step does. */
function saying(message: TakeMessage, step: TakeStep): TakeStep {
  return { state: step.state, effects: [{ type: 'say', message }, ...step.effects] };
}

function press(state: TakeState, event: Extract<TakeEvent, { type: 'press' }>): TakeStep {
  switch (state.phase) {
    case 'idle': {
      if (event.queued && !state.pressAgain) return stay(state); // let go while the last take ended
      if (event.mode === 'live' && !event.connected)
        return {
          state: idle(state),
          effects: [{ type: 'clear-error' }, { type: 'say', message: { kind: 'not-connected' } }],
        };
      const take = state.take + 1;
      return {
        state: {
          phase: 'starting',
          take,
          endedByServer: false,
          mode: event.mode,
          stopRequested: false,
          pending: [],
          pendingBytes: 0,
        },
        effects: [{ type: 'clear-error' }, { type: 'start', take, mode: event.mode }],
      };
    }
    // Walkie-talkie use: a press right after a release starts the next take once this one has ended.
    case 'stopping':
    case 'uploading':
      return { state: { ...state, pressAgain: true }, effects: [{ type: 'after-end' }] };
    case 'starting':
    case 'recording':
    case 'releasing':
      return stay(state);
  }
}

function release(state: TakeState): TakeStep {
  switch (state.phase) {
    case 'idle':
    case 'stopping':
    case 'uploading':
      return state.pressAgain ? stay({ ...state, pressAgain: false }) : stay(state);
    case 'starting':
      // Stop as soon as the start settled: the session is begun, then ended at once.
      return stay({ ...state, stopRequested: true });
    case 'recording':
      return {
        state: { ...state, phase: 'stopping', pressAgain: false },
        effects: [{ type: 'stop-mic', take: state.take }],
      };
    case 'releasing':
      return stay(state);
  }
}

function abort(state: TakeState): TakeStep {
  if (state.phase !== 'starting' && state.phase !== 'recording') return stay(state);
  // A start still in flight settles later as a stale `started`, which closes what it opened.
  return {
    state: { phase: 'releasing', take: state.take, endedByServer: state.endedByServer, shown: state.phase },
    effects: [{ type: 'release', take: state.take, mic: true, session: 'keep', report: true }],
  };
}

function frame(state: TakeState, data: ArrayBuffer): TakeStep {
  // Frames delivered while the microphone stops still belong to the take (its last syllable).
  if ((state.phase === 'recording' || state.phase === 'stopping') && state.mode === 'live')
    return { state, effects: [{ type: 'send', frames: [data] }] };
  if (state.phase !== 'starting' || state.pendingBytes + data.byteLength > MAX_PENDING_BYTES)
    return stay(state);
  return stay({
    ...state,
    pending: [...state.pending, data],
    pendingBytes: state.pendingBytes + data.byteLength,
  });
}

function started(state: TakeState, event: Extract<TakeEvent, { type: 'started' }>): TakeStep {
  const { micOk, ack } = event;
  if (state.phase !== 'starting' || state.take !== event.take) return staleStart(state, event);
  const ok = micOk && (ack === undefined || ack.ok);
  if (ok) {
    const sessionId = ack?.ok ? ack.sessionId : undefined;
    const begun: TakeEffect[] = [{ type: 'begin', sessionId }];
    if (state.pending.length > 0) begun.push({ type: 'send', frames: state.pending });
    const recording: TakeState = {
      phase: 'recording',
      take: state.take,
      endedByServer: state.endedByServer,
      mode: state.mode,
      sessionId,
      heard: 0,
    };
    if (!state.stopRequested) return { state: recording, effects: begun };
    const stopping = release(recording);
    return { state: stopping.state, effects: [...begun, ...stopping.effects] };
  }
  const effects: TakeEffect[] = [];
  // The microphone's own reason first (permission refusals show their banner instead).
  if (!micOk && event.micFailed) effects.push({ type: 'say', message: { kind: 'mic-failed' } });
  else if (ack && !ack.ok) effects.push({ type: 'say', message: { kind: 'server', error: ack.error } });
  // The server may open the session after we gave up waiting: end it, or the next start gets SESSION_ACTIVE.
  const session: SessionClose = ack?.ok ? 'stop' : ack?.error.code === 'ACK_TIMEOUT' ? 'stop-later' : 'keep';
  if (!micOk && session === 'keep') return { state: idle(state), effects };
  effects.push({ type: 'release', take: state.take, mic: micOk, session, report: true });
  return {
    state: { phase: 'releasing', take: state.take, endedByServer: state.endedByServer, shown: 'starting' },
    effects,
  };
}

/**
 * A start of a take already abandoned settled: close what it opened — but never the microphone or the
 * session of a newer take.
 */
function staleStart(state: TakeState, event: Extract<TakeEvent, { type: 'started' }>): TakeStep {
  const current = state.take === event.take;
  // A take starts once: a second answer for the running take is not an abandoned start.
  if (current && state.phase !== 'idle' && state.phase !== 'releasing') return stay(state);
  const newer = !current && state.phase !== 'idle';
  const newerSession = newer && (state.phase === 'recording' || state.phase === 'stopping');
  const mic = event.micOk && !newer;
  const session: SessionClose = event.ack?.ok && !newerSession ? 'stop' : 'keep';
  if (!mic && session === 'keep') return stay(state);
  return { state, effects: [{ type: 'release', take: event.take, mic, session, report: false }] };
}

function micStopped(state: TakeState, take: number, file: RecordedFile | undefined): TakeStep {
  if (state.phase !== 'stopping' || state.take !== take) return stay(state);
  if (state.mode === 'live') return { state, effects: [{ type: 'collect', take }] };
  if (file && state.mode === 'upload')
    return {
      state: { phase: 'uploading', take, endedByServer: state.endedByServer, pressAgain: state.pressAgain },
      effects: [{ type: 'upload', take, file }],
    };
  // An earlier message (the recording was interrupted) says more than "too short".
  const effects: TakeEffect[] = file ? [] : [{ type: 'say', message: { kind: 'too-short' }, ifQuiet: true }];
  return { state: idle(state, state.pressAgain), effects };
}

function collected(
  state: TakeState,
  event: Extract<TakeEvent, { type: 'stop-acked' | 'stop-failed' }>,
): TakeStep {
  if (state.phase !== 'stopping' || state.take !== event.take) return stay(state);
  const next = idle(state, state.pressAgain);
  if (event.type === 'stop-failed')
    return { state: next, effects: [{ type: 'say', message: { kind: 'text', text: event.text } }] };
  const { ack } = event;
  if (!ack.ok)
    return { state: next, effects: [{ type: 'say', message: { kind: 'server', error: ack.error } }] };
  const heard = state.heard + ack.records.filter((r) => r.sessionId === state.sessionId).length;
  const effects: TakeEffect[] = [{ type: 'accept', records: ack.records }];
  // An earlier message (interrupted, session error) says more than "nothing recognised".
  if (heard === 0) effects.push({ type: 'say', message: { kind: 'nothing-recognized' }, ifQuiet: true });
  return { state: next, effects };
}

function uploaded(
  state: TakeState,
  event: Extract<TakeEvent, { type: 'uploaded' | 'upload-failed' }>,
): TakeStep {
  if (state.phase !== 'uploading' || state.take !== event.take) return stay(state);
  const next = idle(state, state.pressAgain);
  if (event.type === 'upload-failed')
    return { state: next, effects: [{ type: 'say', message: { kind: 'text', text: event.text } }] };
  const effects: TakeEffect[] = [{ type: 'accept', records: event.records }];
  if (event.records.length === 0) effects.push({ type: 'say', message: { kind: 'too-short' } });
  return { state: next, effects };
}

function sessionError(state: TakeState, error: TakeFailure, scoped: boolean): TakeStep {
  // Frames already on their way when the server ended the take (a limit, bad mp3) come back as
  // NO_SESSION: the error that ended it is what the user needs to read.
  if (error.code === 'NO_SESSION' && !scoped && state.endedByServer) return stay(state);
  const marked: TakeState = scoped ? { ...state, endedByServer: true } : state;
  return saying({ kind: 'server', error }, abort(marked));
}
