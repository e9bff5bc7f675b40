import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeHttp } from '../../test/support/fake-http';
import { FakeFileRecorder, FakePcmRecorder, FakeRecorderManager } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { startTestApp } from '../../test/support/test-app';
import { strings } from '../locale/strings';
import { mpFileRecorder } from '../platform/mp-recorder';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useTranscriptStore } from '../stores/transcript';

describe('useVoiceApp', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('mirrors the connection into the store and loads history on connect', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    http.records = [record()];
    const { scope } = startTestApp(server, http, new FakePcmRecorder());
    const connection = useConnectionStore();
    const history = useHistoryStore();
    expect(connection.status).toBe('connecting');
    await until(() => connection.status === 'connected' && history.loaded);
    expect(connection.transportName).toBe('fake');
    expect(history.records).toHaveLength(1);
    // A record stored from another device appears at once.
    server.emit('history:new', record({ text: 'from my phone' }));
    await until(() => history.records.length === 2);
    scope.stop();
  });

  it('ends the take when the app goes to the background', async () => {
    const server = new FakeSocketServer();
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: 's' }));
    server.ackHandlers.set('stop', () => ({ ok: true, records: [] }));
    const driver = new FakePcmRecorder();
    const { app, scope, lifecycle } = startTestApp(server, new FakeHttp(), driver);
    const transcript = useTranscriptStore();
    await until(() => useConnectionStore().status === 'connected');
    await app.press();
    expect(transcript.phase).toBe('recording');
    for (const l of lifecycle) l.background();
    await until(() => transcript.phase === 'idle');
    expect(driver.stops).toBe(1);
    expect(server.events('stop')).toHaveLength(1);
    expect(transcript.error).toContain('录音已中断');
    scope.stop();
  });

  it('deletes only after confirmation', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const kept = record();
    http.records = [kept];
    const { app, scope, calls } = startTestApp(server, http, new FakePcmRecorder());
    const history = useHistoryStore();
    await until(() => history.records.length === 1);
    calls.confirmAnswer = false;
    await app.deleteRecord(kept.id);
    expect(http.requests.some((r) => r.method === 'DELETE')).toBe(false);
    calls.confirmAnswer = true;
    await app.deleteRecord(kept.id);
    expect(history.records).toHaveLength(0);
    expect(calls.toasts).toContain('已删除');
    await app.refreshAll();
    expect(calls.stopPullDown).toBe(1);
    scope.stop();
  });

  it('records, then uploads the file where the recorder has no frames at all (Baidu)', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const { app, scope } = startTestApp(server, http, new FakeFileRecorder());
    const transcript = useTranscriptStore();
    expect(app.live).toBe(false);
    await app.press();
    await app.release();
    const upload = http.requests.find((r) => r.path === '/api/recognize');
    expect(upload?.headers?.['content-type']).toBe('audio/mpeg');
    expect(transcript.results.map((r) => r.text)).toEqual(['uploaded speech']);
    expect(useHistoryStore().records.map((r) => r.text)).toContain('uploaded speech');
    scope.stop();
  });

  it('uploads the take when a file recorder stops itself at its time limit, and says why it ended', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const driver = new FakeFileRecorder();
    driver.file = undefined;
    const { app, scope } = startTestApp(server, http, driver);
    const transcript = useTranscriptStore();
    await app.press();
    expect(transcript.phase).toBe('recording');
    // The platform's own stop at `duration`: the file it gives is the whole take.
    driver.handlers?.onInterrupted('stopped', {
      filePath: 'bdfile://tmp/limit.mp3',
      format: 'mp3',
      durationMs: 180_000,
    });
    await until(() => transcript.phase === 'idle');
    expect(http.requests.filter((r) => r.path === '/api/recognize')).toHaveLength(1);
    expect(transcript.results.map((r) => r.text)).toEqual(['uploaded speech']);
    expect(transcript.error).toBe(strings.record.limitReached);
    // Releasing the button afterwards changes nothing.
    await app.release();
    expect(http.requests.filter((r) => r.path === '/api/recognize')).toHaveLength(1);
    scope.stop();
  });

  it('a file recording interrupted without a file keeps saying it was interrupted (not "too short")', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const driver = new FakeFileRecorder();
    const { app, scope } = startTestApp(server, http, driver);
    const transcript = useTranscriptStore();
    await app.press();
    driver.handlers?.onInterrupted('paused');
    await until(() => transcript.phase === 'idle');
    expect(transcript.error).toBe(strings.record.interrupted);
    expect(http.requests.filter((r) => r.path === '/api/recognize')).toHaveLength(0);
    scope.stop();
  });
});

describe('useVoiceApp: takes interrupted by the system', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('keeps "interrupted" when the app is hidden while the take is still starting', async () => {
    const server = new FakeSocketServer();
    server.ackHandlers.set('stop', () => ({ ok: true, records: [] }));
    const driver = new FakePcmRecorder();
    const { app, scope, lifecycle } = startTestApp(server, new FakeHttp(), driver);
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
    const { app, scope } = startTestApp(server, http, mpFileRecorder(manager, 'mp3'));
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

describe('useVoiceApp: hold to talk', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a press while the previous take is still stopping is not silently dropped', async () => {
    const server = new FakeSocketServer();
    let sessions = 0;
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: `s${++sessions}` }));
    server.ackHandlers.set('stop', () => ({ ok: true, records: [record({ sessionId: `s${sessions}` })] }));
    const driver = new FakePcmRecorder();
    // Releasing the microphone takes a moment (the last frame, the stop ack waits for the flush).
    driver.stopDelayMs = 50;
    const { app, scope } = startTestApp(server, new FakeHttp(), driver);
    const transcript = useTranscriptStore();
    await until(() => useConnectionStore().status === 'connected');

    await app.press();
    expect(transcript.phase).toBe('recording');
    const released = app.release();
    expect(transcript.phase).toBe('stopping');
    // Walkie-talkie use: release, press again at once and keep talking.
    const pressed = app.press();
    await released;
    await pressed;
    await until(() => transcript.phase === 'idle' || transcript.phase === 'recording');

    // The user is holding the button: the second take records (or, at the very least, says why not).
    expect(transcript.phase === 'recording' || transcript.error !== undefined).toBe(true);
    scope.stop();
  });
});
