import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { FakeHttp } from '../../test/support/fake-http';
import { FAST_CLIENT_OPTIONS, fakePlatform } from '../../test/support/fake-platform';
import { FakeFileRecorder, FakePcmRecorder } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { installTestApp } from '../../test/support/test-app';
import { strings } from '../locale/strings';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useTranscriptStore } from '../stores/transcript';
import { useVoiceApp } from './useVoiceApp';

const fast = FAST_CLIENT_OPTIONS;

describe('useVoiceApp', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('mirrors the connection into the store and loads history on connect', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    http.records = [record()];
    const { platform } = fakePlatform(server, http, new FakePcmRecorder());
    const scope = effectScope();
    scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }));
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
    const { platform, lifecycle } = fakePlatform(server, new FakeHttp(), driver);
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
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
    const { platform, calls } = fakePlatform(server, http, new FakePcmRecorder());
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
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
    const { platform } = fakePlatform(server, http, new FakeFileRecorder());
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
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
    const { platform } = fakePlatform(server, http, driver);
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
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
    const { platform } = fakePlatform(server, http, driver);
    const scope = effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
    const transcript = useTranscriptStore();
    await app.press();
    driver.handlers?.onInterrupted('paused');
    await until(() => transcript.phase === 'idle');
    expect(transcript.error).toBe(strings.record.interrupted);
    expect(http.requests.filter((r) => r.path === '/api/recognize')).toHaveLength(0);
    scope.stop();
  });
});
