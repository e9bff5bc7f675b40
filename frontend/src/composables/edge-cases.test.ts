import type {
  TranscriptRecord,
  VoiceClientToServerEvents,
  VoiceServerToClientEvents,
} from '@realtime-voice/shared/voice';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { FakeHttp } from '../../test/support/fake-http';
import { FAST_CLIENT_OPTIONS, fakeLifecycle, fakePlatform } from '../../test/support/fake-platform';
import { FakePcmRecorder } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { installTestApp, installTestStores } from '../../test/support/test-app';
import { strings } from '../locale/strings';
import { createWebAudioRecorder } from '../platform/h5-recorder';
import { type MpRecorderManager, mpFileRecorder } from '../platform/mp-recorder';
import type { HttpClient, PermissionResult, RecorderDriver } from '../platform/types';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useTranscriptStore } from '../stores/transcript';
import { useRealtimeVoice } from './useRealtimeVoice';
import { useRecorder } from './useRecorder';
import { useSocketIO } from './useSocketIO';
import { useVoiceApp } from './useVoiceApp';

const fast = FAST_CLIENT_OPTIONS;

/** useSocketIO + useRecorder + useRealtimeVoice over the fake server, as useRealtimeVoice.test.ts does. */
function voiceSetup(
  options: {
    driver?: RecorderDriver;
    requestPermission?: () => Promise<PermissionResult>;
    server?: FakeSocketServer;
  } = {},
) {
  const server = options.server ?? new FakeSocketServer();
  if (!server.ackHandlers.has('start'))
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: 'sess-1' }));
  if (!server.ackHandlers.has('stop')) server.ackHandlers.set('stop', () => ({ ok: true, records: [] }));
  const driver = options.driver ?? new FakePcmRecorder();
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
    const voice = useRealtimeVoice({ socket, recorder, ackTimeoutMs: 300 });
    return { socket, recorder, voice };
  })!;
  return { server, driver, scope, ...result, store: useTranscriptStore() };
}

/** A vendor RecorderManager (WeChat/Alipay shape) whose callbacks fire asynchronously, as on a device. */
class FakeRecorderManager implements MpRecorderManager {
  private onStartCb: (() => void) | undefined;
  private onStopCb: ((r: { tempFilePath?: string; duration?: number }) => void) | undefined;
  private onPauseCb: (() => void) | undefined;
  stops = 0;
  start(): void {
    setTimeout(() => this.onStartCb?.(), 0);
  }
  stop(): void {
    this.stops++;
    // The platform always finishes the file and reports it in onStop, also after a pause.
    setTimeout(() => this.onStopCb?.({ tempFilePath: 'wxfile://tmp/take.mp3', duration: 42_000 }), 5);
  }
  onStart(cb: () => void): void {
    this.onStartCb = cb;
  }
  onStop(cb: (r: { tempFilePath?: string; duration?: number }) => void): void {
    this.onStopCb = cb;
  }
  onError(): void {}
  onPause(cb: () => void): void {
    this.onPauseCb = cb;
  }
  /** The system pauses the recorder (phone call, app hidden). */
  pause(): void {
    this.onPauseCb?.();
  }
}

describe('the voice take (useRealtimeVoice + useRecorder)', () => {
  beforeEach(() => setActivePinia(createPinia()));

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

describe('useVoiceApp', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('keeps "interrupted" when the app is hidden while the take is still starting', async () => {
    const server = new FakeSocketServer();
    server.ackHandlers.set('stop', () => ({ ok: true, records: [] }));
    const driver = new FakePcmRecorder();
    const { platform, lifecycle } = fakePlatform(server, new FakeHttp(), driver);
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
    const transcript = useTranscriptStore();
    await until(() => useConnectionStore().status === 'connected');
    // The start ack is slow (engine opening): the user switches away meanwhile.
    const pressing = app.press();
    await until(() => server.events('start').length === 1);
    expect(transcript.phase).toBe('starting');
    for (const l of lifecycle) l.background();
    server.current!.send(`43/realtime-voice,0${JSON.stringify([{ ok: true, sessionId: 's' }])}`);
    await pressing;
    await until(() => transcript.phase === 'idle');
    expect(server.events('stop')).toHaveLength(1);
    // beginSession() must not wipe the message (the take would end with "没有识别到语音…").
    expect(transcript.error).toBe(strings.record.interrupted);
    scope.stop();
  });

  it('uploads a file take the system paused (phone call) instead of dropping the recorded file', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const manager = new FakeRecorderManager();
    const { platform } = fakePlatform(server, http, mpFileRecorder(manager, 'mp3'));
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
    const transcript = useTranscriptStore();
    expect(app.live).toBe(false);
    await app.press();
    expect(transcript.phase).toBe('recording');
    manager.pause();
    await until(() => transcript.phase === 'idle');
    // The platform reported the file in onStop after the pause: it is the take.
    expect(http.requests.filter((r) => r.path === '/api/recognize')).toHaveLength(1);
    expect(transcript.results.map((r) => r.text)).toEqual(['uploaded speech']);
    scope.stop();
  });
});

describe('useSocketIO status', () => {
  it('stays offline (network lost) while the platform reports no network, across reconnection attempts', async () => {
    const server = new FakeSocketServer();
    const lifecycle = fakeLifecycle();
    const scope = effectScope();
    const sio = scope.run(() =>
      useSocketIO({
        uri: 'http://fake.test/realtime-voice',
        transport: server.transport,
        lifecycle: lifecycle.source,
        clientOptions: fast,
      }),
    )!;
    await until(() => sio.status.value === 'connected');
    server.down = true;
    for (const l of lifecycle.listeners) l.network(false);
    server.current?.drop();
    await until(() => sio.status.value === 'offline');
    // The Manager keeps its backoff timer while offline; its attempts must not claim "reconnecting".
    await until(() => sio.attempt.value >= 2);
    expect(sio.status.value).toBe('offline');
    expect(sio.offlineReason.value).toBe('network');
    scope.stop();
  });
});

describe('stores and API', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a record announced while the history reload is in flight is not wiped by the older page', async () => {
    // The server answers from the state it had when the request arrived (before the new record).
    let release: (() => void) | undefined;
    const stored = [record(), record()];
    const http: HttpClient = async (request) => {
      const snapshot = [...stored];
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      if (request.path === '/api/history')
        return { status: 200, data: { records: snapshot, nextCursor: null } };
      return { status: 404, data: null };
    };
    installTestStores(http);
    const history = useHistoryStore();
    const refreshing = history.refresh(); // the reload on (re)connect
    await until(() => release !== undefined);
    const fresh: TranscriptRecord = record({ text: 'just said' });
    history.upsert(fresh); // history:new / the take's own result
    release!();
    await refreshing;
    expect(history.records.map((r) => r.id)).toContain(fresh.id);
  });

  it('a Cloud Hosting request failure shows its errMsg, not "[object Object]"', async () => {
    // wx.cloud.callContainer rejects with a plain { errCode, errMsg } object (test/support/wx-emulation.ts),
    // and cloudHttp (platform/mp-weixin.ts) passes that rejection on as it is.
    installTestStores(async () => {
      throw {
        errCode: -501000,
        errMsg: 'cloud.callContainer:fail Error: errCode: -501000 | errMsg: Invalid host',
      };
    });
    const history = useHistoryStore();
    await history.refresh();
    expect(history.error).not.toContain('[object Object]');
    expect(history.error).toContain('Invalid host');
  });
});

describe('history races', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a record deleted while the history reload is in flight does not come back', async () => {
    const a = record();
    const b = record();
    let release: (() => void) | undefined;
    installTestStores(async (request) => {
      if (request.method === 'GET') {
        const page = [a, b]; // the server's state when the GET arrived, before the DELETE
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return { status: 200, data: { records: page, nextCursor: null } };
      }
      return { status: 204, data: '' };
    });
    const history = useHistoryStore();
    history.upsert(a);
    history.upsert(b);
    const refreshing = history.refresh(); // pull to refresh, or the reload on reconnect
    await until(() => release !== undefined);
    expect(await history.remove(a.id)).toBe(true);
    release!();
    await refreshing;
    // It must not reappear (deleting it again would answer 404 "no record").
    expect(history.records.map((r) => r.id)).toEqual([b.id]);
  });
});

describe('H5 recorder (platform/h5-recorder.ts)', () => {
  it('closes the AudioContext it opened when the start fails after getUserMedia', async () => {
    const contexts: { closed: boolean }[] = [];
    const tracks: { stopped: boolean }[] = [];
    class FakeAudioContext {
      readonly sampleRate = 16_000;
      readonly state = 'running';
      closed = false;
      // E.g. a Content-Security-Policy that forbids blob: worklet modules, or a browser without AudioWorklet.
      readonly audioWorklet = { addModule: () => Promise.reject(new Error('blocked by CSP')) };
      constructor() {
        contexts.push(this);
      }
      createMediaStreamSource() {
        return { connect() {}, disconnect() {} };
      }
      async close() {
        this.closed = true;
      }
    }
    vi.stubGlobal('AudioContext', FakeAudioContext);
    vi.stubGlobal('navigator', {
      mediaDevices: {
        getUserMedia: async () => {
          const track = {
            stopped: false,
            stop() {
              this.stopped = true;
            },
          };
          tracks.push(track);
          return { getTracks: () => [track], getAudioTracks: () => [track] };
        },
      },
    });
    vi.stubGlobal('URL', { createObjectURL: () => 'blob:worklet' });
    try {
      const driver = createWebAudioRecorder();
      const handlers = { onFrame: () => undefined, onInterrupted: () => undefined, onError: () => undefined };
      await expect(driver.start(handlers)).rejects.toThrow('blocked by CSP');
      await expect(driver.start(handlers)).rejects.toThrow('blocked by CSP');
      expect(tracks.map((t) => t.stopped)).toEqual([true, true]);
      // Every failed press must not leave a running AudioContext behind (iOS Safari allows only a few).
      expect(contexts.map((c) => c.closed)).toEqual([true, true]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
