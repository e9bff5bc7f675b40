import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { describe, expect, it } from 'vitest';
import { record } from '../../test/support/records';
import {
  initialTakeState,
  MAX_PENDING_BYTES,
  shownPhase,
  type TakeEvent,
  type TakePhase,
  type TakeState,
  type TakeStep,
  transition,
} from './voice-take-state';

/** One state of each phase, all of take 3 (live, session `s3`). */
const states = {
  idle: { phase: 'idle', take: 3, endedByServer: false, pressAgain: false },
  starting: {
    phase: 'starting',
    take: 3,
    endedByServer: false,
    mode: 'live',
    stopRequested: false,
    pending: [],
    pendingBytes: 0,
  },
  recording: { phase: 'recording', take: 3, endedByServer: false, mode: 'live', sessionId: 's3', heard: 0 },
  stopping: {
    phase: 'stopping',
    take: 3,
    endedByServer: false,
    mode: 'live',
    sessionId: 's3',
    heard: 0,
    pressAgain: false,
  },
  uploading: { phase: 'uploading', take: 3, endedByServer: false, pressAgain: false },
  releasing: { phase: 'releasing', take: 3, endedByServer: false, shown: 'recording' },
} satisfies Record<TakePhase, TakeState>;

/** One event of each kind (and each variant that is handled apart), about take 3. */
const events: Record<string, TakeEvent> = {
  press: { type: 'press', mode: 'live', connected: true },
  release: { type: 'release' },
  abort: { type: 'abort' },
  frame: { type: 'frame', frame: new ArrayBuffer(100) },
  started: { type: 'started', take: 3, micOk: true, micFailed: false, ack: { ok: true, sessionId: 's3' } },
  released: { type: 'released', take: 3 },
  'mic-stopped': { type: 'mic-stopped', take: 3, file: undefined },
  'stop-acked': { type: 'stop-acked', take: 3, ack: { ok: true, records: [] } },
  'stop-failed': { type: 'stop-failed', take: 3, text: 'lost' },
  uploaded: { type: 'uploaded', take: 3, records: [] },
  'upload-failed': { type: 'upload-failed', take: 3, text: 'HTTP 500' },
  heard: { type: 'heard', sessionId: 's3' },
  'session-error': { type: 'session-error', error: { code: 'LIMIT_BYTES', message: 'm' }, scoped: true },
  'connection lost': { type: 'connection', connected: false },
  'connection regained': { type: 'connection', connected: true },
  'mic-failed': { type: 'mic-failed' },
  background: { type: 'interrupted', cause: 'background' },
  'recorder-limit': { type: 'interrupted', cause: 'recorder-limit' },
  'recorder-paused': { type: 'interrupted', cause: 'recorder-paused' },
};

/** `=`: the same state object (ignored); else the next phase. Then the effects, in order. */
function outcome(before: TakeState, step: TakeStep): string {
  const head = step.state === before ? '=' : step.state.phase;
  return [head, ...step.effects.map((e) => e.type)].join(' ');
}

/** Every phase × every event. A row per event, a column per phase: idle starting recording stopping uploading releasing. */
const expected: Record<string, [string, string, string, string, string, string]> = {
  press: ['starting clear-error start', '=', '=', 'stopping after-end', 'uploading after-end', '='],
  release: ['=', 'starting', 'stopping stop-mic', '=', '=', '='],
  abort: ['=', 'releasing release', 'releasing release', '=', '=', '='],
  frame: ['=', 'starting', '= send', '= send', '=', '='],
  // Idle or releasing the same take: an abandoned start settling, it closes what it opened.
  started: ['= release', 'recording begin', '=', '=', '=', '= release'],
  released: ['=', '=', '=', '=', '=', 'idle'],
  'mic-stopped': ['=', '=', '=', '= collect', '=', '='],
  'stop-acked': ['=', '=', '=', 'idle accept say', '=', '='],
  'stop-failed': ['=', '=', '=', 'idle say', '=', '='],
  uploaded: ['=', '=', '=', '=', 'idle accept say', '='],
  'upload-failed': ['=', '=', '=', '=', 'idle say', '='],
  heard: ['=', '=', 'recording', 'stopping', '=', '='],
  // Marks every state `endedByServer`; a take still starting or recording is abandoned.
  'session-error': [
    'idle say',
    'releasing say release',
    'releasing say release',
    'stopping say',
    'uploading say',
    'releasing say',
  ],
  'connection lost': ['=', 'releasing say release', 'releasing say release', '=', '=', '='],
  'connection regained': ['=', '=', '=', '=', '=', '='],
  'mic-failed': ['=', '=', 'stopping say stop-mic', '=', '=', '='],
  background: ['=', 'starting say', 'stopping say stop-mic', '=', '=', '='],
  'recorder-limit': ['= say', 'starting say', 'stopping say stop-mic', '= say', '= say', '= say'],
  'recorder-paused': ['= say', 'starting say', 'stopping say stop-mic', '= say', '= say', '= say'],
};

const run = (state: TakeState, ...sequence: TakeEvent[]): TakeStep =>
  sequence.reduce<TakeStep>((step, event) => transition(step.state, event), { state, effects: [] });

const phases = Object.keys(states) as TakePhase[];

describe('voice take state machine: every state × every event', () => {
  it('covers every event type', () => {
    const types = new Set(Object.values(events).map((e) => e.type));
    expect([...types].sort()).toEqual(
      [
        'abort',
        'connection',
        'frame',
        'heard',
        'interrupted',
        'mic-failed',
        'mic-stopped',
        'press',
        'release',
        'released',
        'session-error',
        'started',
        'stop-acked',
        'stop-failed',
        'upload-failed',
        'uploaded',
      ].sort(),
    );
  });

  it('does what the table says', () => {
    const actual = Object.fromEntries(
      Object.entries(events).map(([name, event]) => [
        name,
        phases.map((phase) => outcome(states[phase], transition(states[phase], event))),
      ]),
    );
    expect(actual).toEqual(expected);
  });

  it('answers of another take change nothing', () => {
    for (const phase of phases) {
      for (const event of [
        { type: 'released', take: 2 },
        { type: 'mic-stopped', take: 2, file: undefined },
        { type: 'stop-acked', take: 2, ack: { ok: true, records: [] } },
        { type: 'stop-failed', take: 2, text: 'x' },
        { type: 'uploaded', take: 2, records: [] },
        { type: 'upload-failed', take: 2, text: 'x' },
        { type: 'heard', sessionId: 'other' },
      ] as const) {
        expect(transition(states[phase], event), `${phase} × ${event.type}`).toEqual({
          state: states[phase],
          effects: [],
        });
      }
    }
  });

  it('shows the abandoned phase while releasing, and every other phase as it is', () => {
    expect(shownPhase(states.releasing)).toBe('recording');
    expect(shownPhase({ ...states.releasing, shown: 'starting' })).toBe('starting');
    for (const phase of phases.filter((p) => p !== 'releasing'))
      expect(shownPhase(states[phase])).toBe(phase);
  });
});

describe('voice take state machine: a take from press to results', () => {
  it('holds frames until the start ack, then sends them in order, at most MAX_PENDING_BYTES', () => {
    const a = new ArrayBuffer(10);
    const b = new ArrayBuffer(20);
    const tooMuch = new ArrayBuffer(MAX_PENDING_BYTES);
    let step = run(
      initialTakeState,
      { type: 'press', mode: 'live', connected: true },
      { type: 'frame', frame: a },
      { type: 'frame', frame: b },
      { type: 'frame', frame: tooMuch },
    );
    expect(step.state).toMatchObject({ phase: 'starting', take: 1, pending: [a, b], pendingBytes: 30 });
    step = transition(step.state, {
      type: 'started',
      take: 1,
      micOk: true,
      micFailed: false,
      ack: { ok: true, sessionId: 'x' },
    });
    expect(step.state).toEqual({
      phase: 'recording',
      take: 1,
      endedByServer: false,
      mode: 'live',
      sessionId: 'x',
      heard: 0,
    });
    expect(step.effects).toEqual([
      { type: 'begin', sessionId: 'x' },
      { type: 'send', frames: [a, b] },
    ]);
  });

  it('a take that heard nothing says so, unless an earlier message says more', () => {
    const step = transition(states.stopping, { type: 'stop-acked', take: 3, ack: { ok: true, records: [] } });
    expect(step.effects).toEqual([
      { type: 'accept', records: [] },
      { type: 'say', message: { kind: 'nothing-recognized' }, ifQuiet: true },
    ]);
  });

  it('a result heard live (even one deleted before the stop ack lists it again) counts as heard', () => {
    const mine: TranscriptRecord = record({ sessionId: 's3' });
    const heard = run(states.recording, { type: 'heard', sessionId: 's3' }, { type: 'release' });
    expect(heard.state).toMatchObject({ phase: 'stopping', heard: 1 });
    // The user deleted it meanwhile: the store drops it from `accept` (its dismissed set); no "nothing heard".
    const end = transition(heard.state, { type: 'stop-acked', take: 3, ack: { ok: true, records: [mine] } });
    expect(end.effects).toEqual([{ type: 'accept', records: [mine] }]);
    // Records of another session in the ack do not count.
    const other = transition(states.stopping, {
      type: 'stop-acked',
      take: 3,
      ack: { ok: true, records: [record({ sessionId: 'old' })] },
    });
    expect(other.effects.map((e) => e.type)).toEqual(['accept', 'say']);
  });

  it('refuses a live press while not connected, without starting anything', () => {
    const step = transition(states.idle, { type: 'press', mode: 'live', connected: false });
    expect(step.state).toEqual(states.idle);
    expect(step.effects).toEqual([
      { type: 'clear-error' },
      { type: 'say', message: { kind: 'not-connected' } },
    ]);
    // File takes do not need the socket.
    expect(transition(states.idle, { type: 'press', mode: 'upload', connected: false }).state.phase).toBe(
      'starting',
    );
  });

  it('a failed start says the microphone reason first, else the server reason, and closes what opened', () => {
    const start = (micOk: boolean, micFailed: boolean, ok: boolean) =>
      transition(states.starting, {
        type: 'started',
        take: 3,
        micOk,
        micFailed,
        ack: ok
          ? { ok: true, sessionId: 's' }
          : { ok: false, error: { code: 'ENGINE_FAILED', message: 'e' } },
      });
    expect(start(false, true, false)).toEqual({
      state: { ...states.idle },
      effects: [{ type: 'say', message: { kind: 'mic-failed' } }],
    });
    // Refused permission (no reason to show, the page has its banner); the session opened: stop it.
    expect(start(false, false, true)).toEqual({
      state: { phase: 'releasing', take: 3, endedByServer: false, shown: 'starting' },
      effects: [{ type: 'release', take: 3, mic: false, session: 'stop', report: true }],
    });
    expect(start(true, false, false).effects).toEqual([
      { type: 'say', message: { kind: 'server', error: { code: 'ENGINE_FAILED', message: 'e' } } },
      { type: 'release', take: 3, mic: true, session: 'keep', report: true },
    ]);
  });

  it('file takes: no session; the file is uploaded, or "too short" when there is none', () => {
    const file = { filePath: 'f.mp3', format: 'mp3', durationMs: 1000 } as const;
    let step = run(
      initialTakeState,
      { type: 'press', mode: 'upload', connected: false },
      { type: 'started', take: 1, micOk: true, micFailed: false },
    );
    expect(step.state).toMatchObject({ phase: 'recording', mode: 'upload', sessionId: undefined });
    expect(step.effects).toEqual([{ type: 'begin', sessionId: undefined }]);
    step = run(step.state, { type: 'release' }, { type: 'mic-stopped', take: 1, file });
    expect(step.state.phase).toBe('uploading');
    expect(step.effects).toEqual([{ type: 'upload', take: 1, file }]);
    const heard = [record()];
    expect(transition(step.state, { type: 'uploaded', take: 1, records: heard }).effects).toEqual([
      { type: 'accept', records: heard },
    ]);
    const noFile = run(
      { ...states.recording, mode: 'upload' },
      { type: 'release' },
      { type: 'mic-stopped', take: 3, file: undefined },
    );
    expect(noFile.state.phase).toBe('idle');
    expect(noFile.effects).toEqual([{ type: 'say', message: { kind: 'too-short' }, ifQuiet: true }]);
    // A recorder without an upload API only records.
    const recordOnly = run(
      { ...states.recording, mode: 'record-only' },
      { type: 'release' },
      { type: 'mic-stopped', take: 3, file },
    );
    expect(recordOnly).toEqual({ state: states.idle, effects: [] });
    // A file recorder that failed to start: nothing to release.
    expect(
      run(
        initialTakeState,
        { type: 'press', mode: 'upload', connected: true },
        { type: 'started', take: 1, micOk: false, micFailed: true },
      ),
    ).toEqual({
      state: { ...initialTakeState, take: 1 },
      effects: [{ type: 'say', message: { kind: 'mic-failed' } }],
    });
  });
});

describe('voice take state machine: the races', () => {
  const lateAck = (take: number): Extract<TakeEvent, { type: 'started' }> => ({
    type: 'started',
    take,
    micOk: true,
    micFailed: false,
    ack: { ok: true, sessionId: 'late' },
  });

  it('abort while starting: idle once the microphone is off; the late start ack then stops its session', () => {
    let step = run(states.starting, {
      type: 'session-error',
      error: { code: 'NO_SESSION', message: 'm' },
      scoped: false,
    });
    expect(step.state).toEqual({ phase: 'releasing', take: 3, endedByServer: false, shown: 'starting' });
    expect(shownPhase(step.state)).toBe('starting');
    expect(step.effects.map((e) => e.type)).toEqual(['say', 'release']);
    step = run(step.state, { type: 'released', take: 3 });
    expect(step.state).toEqual(states.idle);
    expect(transition(step.state, lateAck(3))).toEqual({
      state: states.idle,
      effects: [{ type: 'release', take: 3, mic: true, session: 'stop', report: false }],
    });
  });

  it("a late start ack never touches a newer take's microphone, nor a newer open session", () => {
    const newer = run(states.idle, { type: 'press', mode: 'live', connected: true }).state;
    expect(newer).toMatchObject({ phase: 'starting', take: 4 });
    // The newer take's start will meet SESSION_ACTIVE anyway: the stale session is stopped, the microphone kept.
    expect(transition(newer, lateAck(3)).effects).toEqual([
      { type: 'release', take: 3, mic: false, session: 'stop', report: false },
    ]);
    const recording: TakeState = { ...states.recording, take: 4 };
    expect(transition(recording, lateAck(3))).toEqual({ state: recording, effects: [] });
    // A start that failed late opened nothing.
    expect(
      transition(recording, {
        type: 'started',
        take: 3,
        micOk: false,
        micFailed: false,
        ack: lateAck(3).ack,
      }),
    ).toEqual({ state: recording, effects: [] });
  });

  it('a start ack that timed out: say so, release the microphone, and stop the session the server may open late', () => {
    const step = transition(states.starting, {
      type: 'started',
      take: 3,
      micOk: true,
      micFailed: false,
      ack: { ok: false, error: { code: 'ACK_TIMEOUT', message: '服务器响应超时' } },
    });
    expect(step.state.phase).toBe('releasing');
    expect(step.effects).toEqual([
      { type: 'say', message: { kind: 'server', error: { code: 'ACK_TIMEOUT', message: '服务器响应超时' } } },
      { type: 'release', take: 3, mic: true, session: 'stop-later', report: true },
    ]);
  });

  it('release right after press: the session begins, then ends at once', () => {
    const step = run(
      initialTakeState,
      { type: 'press', mode: 'live', connected: true },
      { type: 'release' },
      { type: 'frame', frame: new ArrayBuffer(4) },
      { type: 'started', take: 1, micOk: true, micFailed: false, ack: { ok: true, sessionId: 's1' } },
    );
    expect(step.state).toMatchObject({ phase: 'stopping', take: 1, sessionId: 's1', pressAgain: false });
    expect(step.effects.map((e) => e.type)).toEqual(['begin', 'send', 'stop-mic']);
  });

  it('press right after release (walkie-talkie): the next take starts once this one ended, unless let go', () => {
    const pressed = run(states.recording, { type: 'release' }, events.press as TakeEvent);
    expect(pressed.state).toMatchObject({ phase: 'stopping', pressAgain: true });
    expect(pressed.effects).toEqual([{ type: 'after-end' }]);
    const ended = run(
      pressed.state,
      { type: 'mic-stopped', take: 3, file: undefined },
      events['stop-acked'] as TakeEvent,
    );
    expect(ended.state).toEqual({ ...states.idle, pressAgain: true });
    const queued: TakeEvent = { type: 'press', mode: 'live', connected: true, queued: true };
    expect(transition(ended.state, queued).state).toMatchObject({ phase: 'starting', take: 4 });
    // Let go while waiting: the queued press does nothing.
    const letGo = run(pressed.state, { type: 'release' }, events['stop-acked'] as TakeEvent);
    expect(letGo.state).toEqual(states.idle);
    expect(transition(letGo.state, queued)).toEqual({ state: states.idle, effects: [] });
    // ...and a release after the end, before the queued press ran.
    expect(run(ended.state, { type: 'release' }, queued).state).toEqual(states.idle);
  });

  it('the recorder ending at its time limit: says why, and the take ends as if released', () => {
    const step = transition(
      { ...states.recording, mode: 'upload' },
      { type: 'interrupted', cause: 'recorder-limit' },
    );
    expect(step.state.phase).toBe('stopping');
    expect(step.effects).toEqual([
      { type: 'say', message: { kind: 'limit-reached' } },
      { type: 'stop-mic', take: 3 },
    ]);
  });

  it('the app going to the background while starting: the message stays, the take ends right after it began', () => {
    const step = run(states.starting, events.background as TakeEvent, events.started as TakeEvent);
    expect(step.state.phase).toBe('stopping');
    expect(step.effects.map((e) => e.type)).toEqual(['begin', 'stop-mic']);
    // beginSession does not clear the message; "nothing recognised" only speaks when nothing else did.
    const end = run(step.state, events['mic-stopped'] as TakeEvent, events['stop-acked'] as TakeEvent);
    expect(end.effects).toContainEqual({
      type: 'say',
      message: { kind: 'nothing-recognized' },
      ifQuiet: true,
    });
  });

  it('network lost aborts a live take; regained starts nothing; a file take or one the server ended is left alone', () => {
    const lost: TakeEvent = { type: 'connection', connected: false };
    expect(transition(states.recording, lost).effects).toEqual([
      { type: 'say', message: { kind: 'network-lost' } },
      { type: 'release', take: 3, mic: true, session: 'keep', report: true },
    ]);
    const file: TakeState = { ...states.recording, mode: 'upload' };
    expect(transition(file, lost)).toEqual({ state: file, effects: [] });
    // The server ended it and said why: its reason stays on screen while the microphone is released.
    const ended = run(states.recording, events['session-error'] as TakeEvent).state;
    expect(ended).toMatchObject({ phase: 'releasing', endedByServer: true });
    expect(transition(ended, lost)).toEqual({ state: ended, effects: [] });
    expect(transition({ ...states.recording, endedByServer: true }, lost).effects).toEqual([]);
  });

  it('NO_SESSION echoes after the server ended the take are not news, until the next press', () => {
    const noSession: TakeEvent = {
      type: 'session-error',
      error: { code: 'NO_SESSION', message: 'audio without an active session' },
      scoped: false,
    };
    const ended = run(states.recording, events['session-error'] as TakeEvent, {
      type: 'released',
      take: 3,
    }).state;
    expect(ended).toEqual({ ...states.idle, endedByServer: true });
    expect(transition(ended, noSession)).toEqual({ state: ended, effects: [] });
    const next = run(ended, events.press as TakeEvent).state;
    expect(next.endedByServer).toBe(false);
    expect(transition(next, noSession).effects.map((e) => e.type)).toEqual(['say', 'release']);
  });
});
