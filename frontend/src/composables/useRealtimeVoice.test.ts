import type { VoiceClientToServerEvents, VoiceServerToClientEvents } from '@realtime-voice/shared/voice';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { FAST_CLIENT_OPTIONS } from '../../test/support/fake-platform';
import { FakeFileRecorder, FakeMp3Recorder, FakePcmRecorder } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { strings } from '../locale/strings';
import type { PermissionResult, RecorderDriver } from '../platform/types';
import { useTranscriptStore } from '../stores/transcript';
import { type UseRealtimeVoiceOptions, useRealtimeVoice } from './useRealtimeVoice';
import { useRecorder } from './useRecorder';
import { useSocketIO } from './useSocketIO';

const fast = FAST_CLIENT_OPTIONS;

/**
 * useSocketIO + useRecorder + useRealtimeVoice over the fake server. `start`/`stop` are acknowledged
 * unless the test set its own handlers on `server` first.
 */
function setup(
  options: {
    server?: FakeSocketServer;
    file?: boolean;
    mp3?: boolean;
    driver?: RecorderDriver;
    requestPermission?: () => Promise<PermissionResult>;
    ackTimeoutMs?: number;
    extra?: Partial<UseRealtimeVoiceOptions>;
  } = {},
) {
  const server = options.server ?? new FakeSocketServer();
  if (!server.ackHandlers.has('start'))
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: 'sess-1' }));
  if (!server.ackHandlers.has('stop')) server.ackHandlers.set('stop', () => ({ ok: true, records: [] }));
  const driver =
    options.driver ??
    (options.file ? new FakeFileRecorder() : options.mp3 ? new FakeMp3Recorder() : new FakePcmRecorder());
  const scope = effectScope();
  const result = scope.run(() => {
    const socket = useSocketIO<VoiceServerToClientEvents, VoiceClientToServerEvents>({
      uri: 'http://fake.test/realtime-voice',
      transport: server.transport,
      clientOptions: fast,
    });
    const recorder = useRecorder({
      driver,
      ...(options.requestPermission ? { requestPermission: options.requestPermission } : {}),
    });
    const voice = useRealtimeVoice({
      socket,
      recorder,
      ackTimeoutMs: options.ackTimeoutMs ?? 500,
      ...options.extra,
    });
    return { socket, recorder, voice };
  })!;
  return { server, driver, scope, ...result, store: useTranscriptStore() };
}

describe('useRealtimeVoice', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('streams mp3 frames as they are, naming the format in start (Alipay)', async () => {
    const { server, driver, scope, socket, voice } = setup({ mp3: true });
    await until(() => socket.status.value === 'connected');
    expect(voice.live.value).toBe(true);
    expect(await voice.start()).toBe(true);
    expect(server.events('start')[0]?.args[0]).toEqual({ format: 'mp3' });
    // Odd lengths and cut frames are fine for mp3: no PCM alignment, bytes unchanged.
    const a = Uint8Array.of(0xff, 0xf3, 0x48);
    const b = Uint8Array.of(0xc4, 0x00, 0x1b, 0x8b, 0xe6);
    (driver as FakeMp3Recorder).frame(a);
    (driver as FakeMp3Recorder).frame(b);
    await until(() => server.events('audio').length === 2);
    const sent = server.events('audio').map((e) => new Uint8Array(e.args[0] as ArrayBuffer));
    expect(sent).toEqual([a, b]);
    await voice.stop();
    expect(voice.phase.value).toBe('idle');
    scope.stop();
  });

  it('starts a session, streams frames after the ack, shows partial and final text, stops', async () => {
    const { server, driver, scope, socket, voice, store } = setup();
    const stored = record({ text: 'hello world' });
    server.ackHandlers.set('stop', () => ({ ok: true, records: [stored] }));
    await until(() => socket.status.value === 'connected');

    expect(await voice.start()).toBe(true);
    expect(voice.phase.value).toBe('recording');
    expect(voice.sessionId.value).toBe('sess-1');
    expect(server.events('start')[0]?.args[0]).toEqual({ sampleRate: 16_000 });

    (driver as FakePcmRecorder).frame(1600);
    (driver as FakePcmRecorder).frame(1600);
    await until(() => server.events('audio').length === 2);
    const chunk = server.events('audio')[0]?.args[0];
    expect(chunk).toBeInstanceOf(ArrayBuffer);
    expect((chunk as ArrayBuffer).byteLength).toBe(3200);

    server.emit('partial', { sessionId: 'sess-1', text: 'hel' });
    await until(() => voice.partial.value === 'hel');
    // A partial of another session is ignored.
    server.emit('partial', { sessionId: 'other', text: 'nope' });
    server.emit('result', { sessionId: 'sess-1', record: stored });
    await until(() => voice.results.value.length === 1);
    expect(voice.partial.value).toBe('');

    await voice.stop();
    expect(voice.phase.value).toBe('idle');
    expect(server.events('stop')).toHaveLength(1);
    // The record came twice (event and ack): shown once.
    expect(store.results.map((r) => r.text)).toEqual(['hello world']);
    scope.stop();
  });

  it('holds frames recorded before the start ack and sends them after it, in order', async () => {
    const { server, driver, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    // Answer start only after frames were recorded.
    server.ackHandlers.delete('start');
    const starting = voice.start();
    await until(() => server.events('start').length === 1);
    (driver as FakePcmRecorder).frame(10, 1);
    (driver as FakePcmRecorder).frame(10, 2);
    expect(server.events('audio')).toHaveLength(0);
    const conn = server.current!;
    // The first ack id the client uses is 0.
    conn.send(`43/realtime-voice,0${JSON.stringify([{ ok: true, sessionId: 'sess-9' }])}`);
    expect(await starting).toBe(true);
    (driver as FakePcmRecorder).frame(10, 3);
    await until(() => server.events('audio').length === 3);
    const firsts = server.events('audio').map((e) => new Int16Array(e.args[0] as ArrayBuffer)[0]);
    expect(firsts).toEqual([1, 2, 3]);
    scope.stop();
  });

  it('reports a refused start and releases the microphone', async () => {
    const { server, driver, scope, socket, voice } = setup();
    server.ackHandlers.set('start', () => ({
      ok: false,
      error: { code: 'ENGINE_UNAVAILABLE', message: '引擎不可用' },
    }));
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(false);
    expect(voice.error.value).toBe('引擎不可用');
    expect(voice.phase.value).toBe('idle');
    expect((driver as FakePcmRecorder).stops).toBe(1);
    scope.stop();
  });

  it('refuses to start while not connected', async () => {
    const server = new FakeSocketServer();
    server.down = true;
    const { scope, voice, driver } = setup({ server });
    expect(await voice.start()).toBe(false);
    expect(voice.error.value).toContain('未连接');
    expect((driver as FakePcmRecorder).starts).toBe(0);
    scope.stop();
  });

  it('times out a start the server never answers', async () => {
    const { server, scope, socket, voice } = setup();
    server.ackHandlers.delete('start');
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(false);
    expect(voice.error.value).toBe('服务器响应超时');
    scope.stop();
  });

  it('says so when a take recognised nothing', async () => {
    const { scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    await voice.start();
    await voice.stop();
    expect(voice.error.value).toBe('没有识别到语音，请靠近麦克风再说一次');
    scope.stop();
  });

  it('a release during start ends the session right after it began', async () => {
    const { server, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    const starting = voice.start();
    await voice.stop();
    await starting;
    await until(() => server.events('stop').length === 1);
    await until(() => voice.phase.value === 'idle');
    scope.stop();
  });

  it('stops the microphone when the connection drops mid-session', async () => {
    const { server, driver, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    await voice.start();
    server.down = true;
    server.current?.drop();
    await until(() => voice.phase.value === 'idle');
    expect((driver as FakePcmRecorder).stops).toBe(1);
    expect(voice.error.value).toContain('连接中断');
    scope.stop();
  });

  it('keeps the reason the server gave when the connection drops while the microphone is still stopping', async () => {
    const { server, driver, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    await voice.start();
    (driver as FakePcmRecorder).stopDelayMs = 200;
    // A graceful server stop: the notice first, then the transport closes.
    server.emit('session-error', { sessionId: 'sess-1', code: 'SERVER_RESTARTING', message: 'restarting' });
    await until(() => voice.error.value === strings.sessionErrors.SERVER_RESTARTING);
    expect(voice.phase.value).toBe('recording'); // the microphone is still being released
    server.down = true;
    server.current?.drop();
    await until(() => socket.status.value !== 'connected');
    await until(() => voice.phase.value === 'idle');
    expect(voice.error.value).toBe(strings.sessionErrors.SERVER_RESTARTING);
    expect((driver as FakePcmRecorder).stops).toBe(1);
    scope.stop();
  });

  it('surfaces session-error events and ends the session', async () => {
    const { server, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    await voice.start();
    server.emit('session-error', { sessionId: 'sess-1', code: 'LIMIT_BYTES', message: 'byte limit reached' });
    await until(() => voice.phase.value === 'idle');
    // A code the app knows is shown in the user's words, not the server's.
    expect(voice.error.value).toBe(strings.sessionErrors.LIMIT_BYTES);
    scope.stop();
  });

  it('keeps the error that ended the take when audio still in flight comes back as NO_SESSION', async () => {
    const { server, scope, socket, voice } = setup({ mp3: true });
    await until(() => socket.status.value === 'connected');
    await voice.start();
    server.emit('session-error', { sessionId: 'sess-1', code: 'MP3_INVALID', message: 'not an mp3 stream' });
    // The server answers frames that arrived after the session ended (no session id).
    server.emit('session-error', { code: 'NO_SESSION', message: 'audio without an active session' });
    await until(() => voice.phase.value === 'idle');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(voice.error.value).toBe(strings.sessionErrors.MP3_INVALID);
    // A new take starts clean: a NO_SESSION while recording is reported again.
    expect(await voice.start()).toBe(true);
    expect(voice.error.value).toBeUndefined();
    server.emit('session-error', { code: 'NO_SESSION', message: 'audio without an active session' });
    await until(() => voice.phase.value === 'idle');
    expect(voice.error.value).toBe('audio without an active session');
    scope.stop();
  });

  it("shows the server's own text for a session error code the app does not know", async () => {
    const { server, scope, socket, voice } = setup();
    await until(() => socket.status.value === 'connected');
    await voice.start();
    server.emit('session-error', { sessionId: 'sess-1', code: 'SOMETHING_NEW', message: '新的错误说明' });
    await until(() => voice.phase.value === 'idle');
    expect(voice.error.value).toBe('新的错误说明');
    scope.stop();
  });

  it('records then uploads on platforms without PCM frames', async () => {
    const uploaded: string[] = [];
    const stored = record({ text: 'from file' });
    const { scope, voice } = setup({
      file: true,
      extra: {
        recognizeFile: async (file) => {
          uploaded.push(file.filePath);
          return [stored];
        },
      },
    });
    expect(voice.live.value).toBe(false);
    expect(await voice.start()).toBe(true);
    await voice.stop();
    expect(uploaded).toEqual(['bdfile://tmp/rec.mp3']);
    expect(voice.results.value.map((r) => r.text)).toEqual(['from file']);
    expect(voice.phase.value).toBe('idle');
    scope.stop();
  });
});

describe('useRealtimeVoice: the take with its microphone (useRecorder)', () => {
  beforeEach(() => setActivePinia(createPinia()));

  /** These takes time out a start the server answers late: a short ack timeout. */
  const voiceSetup = (options: Parameters<typeof setup>[0] = {}) => setup({ ackTimeoutMs: 300, ...options });

  it('says why when the microphone fails to start for a reason other than permission', async () => {
    const driver = new FakePcmRecorder();
    // E.g. H5 over plain http: h5-recorder.ts throws a sentence written for the user.
    driver.failStartWith = new Error('此浏览器不支持录音（需要 HTTPS 或 localhost）');
    const { scope, socket, voice, recorder } = voiceSetup({ driver });
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(false);
    expect(recorder.status.value).toBe('error');
    expect(voice.phase.value).toBe('idle');
    // Nothing else on the page shows recorder.error: the take's error line must say it.
    expect(voice.error.value ?? '(no message)').toContain('此浏览器不支持录音');
    scope.stop();
  });

  it('ends the take (phase back to idle, with a message) when the recorder fails mid-recording', async () => {
    const { server, driver, scope, socket, voice, recorder } = voiceSetup();
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(true);
    (driver as FakePcmRecorder).handlers?.onError(new Error('operateRecorder:fail recorder error'));
    expect(recorder.status.value).toBe('error');
    // Not 'recording' with no microphone, no message and the server session open.
    await until(() => voice.phase.value === 'idle', 300).catch(() => undefined);
    expect(voice.phase.value).toBe('idle');
    expect(voice.error.value).toBeTruthy();
    expect(server.events('stop')).toHaveLength(1);
    scope.stop();
  });

  it('a permission check that rejects does not leave the recorder and the take stuck in "starting"', async () => {
    let calls = 0;
    const { scope, socket, voice, recorder } = voiceSetup({
      requestPermission: async () => {
        calls++;
        if (calls === 1) throw new Error('getSetting:fail');
        return 'granted';
      },
    });
    await until(() => socket.status.value === 'connected');
    // Not a rejected start() with phase/recorder left 'starting' for good (every later press ignored).
    await voice.start().catch(() => false);
    expect(recorder.status.value).not.toBe('starting');
    expect(voice.phase.value).toBe('idle');
    expect(await voice.start()).toBe(true);
    scope.stop();
  });

  it('after a start ack timeout, a session the server opened late is stopped, so the next take can start', async () => {
    const server = new FakeSocketServer();
    // The server keeps one session per connection, as voice-sessions.ts does (SESSION_ACTIVE otherwise).
    let active = false;
    server.ackHandlers.set('stop', () => {
      active = false;
      return { ok: true, records: [] };
    });
    const { scope, socket, voice } = voiceSetup({ server });
    await until(() => socket.status.value === 'connected');
    // First start: the engine is slow; the ack comes after the client's timeout (300 ms here).
    server.ackHandlers.delete('start');
    const conn = server.current!;
    const starting = voice.start();
    await until(() => server.events('start').length === 1);
    active = true; // the server's session exists from the moment `start` arrives (a `stop` ends it)
    expect(await starting).toBe(false);
    expect(voice.error.value).toBe(strings.errors.timeout);
    // The client ends the session it gave up on; the late ack that follows changes nothing.
    await until(() => server.events('stop').length === 1);
    conn.send(`43/realtime-voice,0${JSON.stringify([{ ok: true, sessionId: 'late' }])}`);
    server.ackHandlers.set('start', () => {
      if (active)
        return { ok: false, error: { code: 'SESSION_ACTIVE', message: 'a session is already active' } };
      active = true;
      return { ok: true, sessionId: 'sess-2' };
    });
    // Had the client never told the server, every press would now fail with SESSION_ACTIVE.
    expect(await voice.start()).toBe(true);
    scope.stop();
  });

  it('a take aborted while starting does not come back as "recording" when the start ack then succeeds', async () => {
    const { server, driver, scope, socket, voice, recorder } = voiceSetup();
    await until(() => socket.status.value === 'connected');
    server.ackHandlers.delete('start');
    const starting = voice.start();
    await until(() => server.events('start').length === 1 && recorder.status.value === 'recording');
    // A connection-level error (no session id) while starting: e.g. the NO_SESSION the server sends for
    // the in-flight audio of the previous take that a limit ended. The take is aborted: mic off, idle.
    server.emit('session-error', { code: 'NO_SESSION', message: 'audio without an active session' });
    await until(() => voice.phase.value === 'idle');
    expect((driver as FakePcmRecorder).stops).toBe(1);
    server.current!.send(`43/realtime-voice,0${JSON.stringify([{ ok: true, sessionId: 'sess-7' }])}`);
    expect(await starting).toBe(false);
    // Not 'recording' with the microphone off, and the session the server opened is stopped (the next
    // start would get SESSION_ACTIVE otherwise).
    expect(recorder.status.value).toBe('idle');
    expect(voice.phase.value).toBe('idle');
    expect(server.events('stop')).toHaveLength(1);
    scope.stop();
  });
});

describe('useRealtimeVoice: races the take state machine settles (voice-take-state.ts)', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a record deleted during its take does not come back with the stop ack, and counts as heard', async () => {
    const { server, scope, socket, voice, store } = setup();
    const heard = record({ sessionId: 'sess-1', text: 'deleted soon' });
    server.ackHandlers.set('stop', () => ({ ok: true, records: [heard] }));
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(true);
    server.emit('result', { sessionId: 'sess-1', record: heard });
    await until(() => store.results.length === 1);
    store.removeResult(heard.id); // what useVoiceApp.deleteRecord does once the server deleted it
    await voice.stop();
    expect(store.results).toEqual([]);
    // Not "nothing recognised": the take did hear something.
    expect(voice.error.value).toBeUndefined();
    scope.stop();
  });

  it("the late start ack of an abandoned take leaves the next take's microphone and session alone", async () => {
    const { server, driver, scope, socket, voice, recorder } = setup();
    await until(() => socket.status.value === 'connected');
    server.ackHandlers.delete('start');
    const first = voice.start();
    await until(() => server.events('start').length === 1 && recorder.status.value === 'recording');
    server.emit('session-error', { code: 'NO_SESSION', message: 'audio without an active session' });
    await until(() => voice.phase.value === 'idle');
    const second = voice.start();
    await until(() => server.events('start').length === 2 && recorder.status.value === 'recording');
    const conn = server.current!;
    conn.send(`43/realtime-voice,1${JSON.stringify([{ ok: true, sessionId: 'sess-2' }])}`);
    expect(await second).toBe(true);
    // Now the first take's ack arrives, late.
    conn.send(`43/realtime-voice,0${JSON.stringify([{ ok: true, sessionId: 'late' }])}`);
    expect(await first).toBe(false);
    expect(recorder.status.value).toBe('recording');
    expect((driver as FakePcmRecorder).stops).toBe(1);
    expect(voice.phase.value).toBe('recording');
    expect(server.events('stop')).toHaveLength(0);
    scope.stop();
  });
});

describe("useRealtimeVoice: server error codes in the user's words", () => {
  beforeEach(() => setActivePinia(createPinia()));

  // Codes of docs/backend.md's table a user meets in normal use, with the server's (English) message.
  it.each([
    ['ENGINE_LOADING', 'sherpa-onnx is verifying and loading its model; try again in a few seconds.'],
    ['ENGINE_FAILED', 'the speech engine could not start a session'],
    ['STORAGE_FAILED', 'could not store a result'],
    ['SESSION_ACTIVE', 'a session is already active (abc): stop it first'],
    ['CLOSED', 'the connection is closing'],
    ['INTERNAL', 'the session could not be started'],
    ['RESAMPLER_FAILED', 'the mp3 stage could not resample the decoded audio'],
  ])('shows a Chinese sentence for the server error %s', async (code, message) => {
    const server = new FakeSocketServer();
    server.ackHandlers.set('start', () => ({ ok: false, error: { code, message } }));
    const { scope, socket, voice, store } = setup({ server });
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(false);
    expect(store.error).toBeDefined();
    expect(store.error).toMatch(/[\u4e00-\u9fff]/);
    scope.stop();
  });
});
