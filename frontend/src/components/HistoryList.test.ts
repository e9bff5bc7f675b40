// @vitest-environment jsdom
/**
 * HistoryList as the page binds it to the history store, over the whole app (useVoiceApp + stores) on
 * fakes: deleted records stay deleted, states shown only when true, loaded pages kept across reconnections,
 * history over HTTP without a socket.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as vue from 'vue';
import { FakeHttp } from '../../test/support/fake-http';
import { FakePcmRecorder } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { loadComponent, type Mounted, mount, unmountAll } from '../../test/support/mount-component';
import { record } from '../../test/support/records';
import { startTestApp } from '../../test/support/test-app';
import type { AppConfig } from '../config';
import { strings } from '../locale/strings';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useTranscriptStore } from '../stores/transcript';

afterEach(unmountAll);

// ---------------------------------------------------------------------------------------------------------
// The app over the fakes (as useVoiceApp.test.ts builds it).

function startApp(server: FakeSocketServer, http: FakeHttp, config: Partial<AppConfig> = {}) {
  const { app, scope } = startTestApp(server, http, new FakePcmRecorder(), config);
  return {
    app,
    scope,
    history: useHistoryStore(),
    transcript: useTranscriptStore(),
    connection: useConnectionStore(),
  };
}

/** The HistoryList exactly as the page binds it to the history store. */
function mountHistoryList(): Mounted {
  const history = useHistoryStore();
  return mount(
    loadComponent('HistoryList'),
    () => ({
      records: history.records,
      loaded: history.loaded,
      loading: history.loading,
      refreshing: history.refreshing,
      hasMore: history.hasMore,
      error: history.error,
    }),
    ['refresh', 'load-more', 'delete'],
  );
}

beforeEach(() => setActivePinia(createPinia()));

describe('history view', () => {
  it('a record deleted while its take is still running does not come back when the take stops', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    const spoken = record({ sessionId: 's1', text: 'delete me' });
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: 's1' }));
    // The stop ack carries every record of the session (docs/backend.md), the deleted one included.
    server.ackHandlers.set('stop', () => ({ ok: true, records: [spoken] }));
    const { app, scope, history, transcript, connection } = startApp(server, http);
    await until(() => connection.status === 'connected' && history.loaded);

    await app.toggle();
    expect(transcript.phase).toBe('recording');
    http.records.push(spoken);
    server.emit('result', { sessionId: 's1', record: spoken });
    server.emit('history:new', spoken);
    await until(() => transcript.results.length === 1 && history.records.length === 1);

    // Still recording (toggle mode), the user deletes it from the history list.
    await app.deleteRecord(spoken.id);
    expect(history.records).toHaveLength(0);
    expect(transcript.results).toHaveLength(0);
    expect(http.records).toHaveLength(0);

    await app.toggle();
    expect(transcript.phase).toBe('idle');
    // Deleted on the server: it must not reappear in either list.
    expect(history.records.map((r) => r.id)).not.toContain(spoken.id);
    expect(transcript.results.map((r) => r.id)).not.toContain(spoken.id);
    scope.stop();
  });

  it('does not say "没有更多了" when the first page never loaded and a new record arrived', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    http.records = Array.from({ length: 30 }, () => record());
    http.failWith = 'network';
    const { scope, history, connection } = startApp(server, http);
    await until(() => connection.status === 'connected' && history.error !== undefined);
    const list = mountHistoryList();

    // The network is back; a record is stored from another device and announced.
    http.failWith = undefined;
    server.emit('history:new', record({ text: 'from my phone' }));
    await until(() => history.records.length === 1);
    await vue.nextTick();

    // 30 older records are on the server and none was ever loaded: "no more" is false.
    expect(list.text()).not.toContain(strings.history.noMore);
    expect(history.loaded).toBe(false);
    scope.stop();
  });

  it('does not show "暂无历史记录" after the loaded records were deleted while older ones exist', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    http.records = Array.from({ length: 5 }, () => record());
    const { app, scope, connection, history } = startApp(server, http, { historyPageSize: 2 });
    await until(() => connection.status === 'connected' && history.loaded && !history.loading);
    expect(history.records).toHaveLength(2);
    expect(history.hasMore).toBe(true);
    const list = mountHistoryList();

    for (const { id } of [...history.records]) await app.deleteRecord(id);
    await until(() => !history.loading);
    await vue.nextTick();

    // Three records are still on the server: not "empty", and a way to them (the next page, or a link).
    expect(list.text()).not.toContain(strings.history.empty);
    expect(history.records.length > 0 || list.text().includes(strings.history.loadMore)).toBe(true);
    scope.stop();
  });

  it('keeps the pages the user loaded when the socket reconnects (app back from the background)', async () => {
    const server = new FakeSocketServer();
    const http = new FakeHttp();
    http.records = Array.from({ length: 45 }, () => record());
    const { app, scope, connection, history } = startApp(server, http, { historyPageSize: 20 });
    await until(() => connection.status === 'connected' && history.loaded && !history.loading);
    await app.loadMore();
    expect(history.records).toHaveLength(40);
    const historyRequests = () => http.requests.filter((r) => r.path === '/api/history').length;
    const before = historyRequests();

    // WeChat cuts the socket a few seconds after the app is hidden; it reconnects on return.
    server.current?.drop();
    await until(() => connection.status === 'reconnecting');
    await until(() => connection.status === 'connected' && historyRequests() > before && !history.loading);

    // Nothing was deleted: the 40 records the user scrolled through are still there.
    expect(history.records).toHaveLength(40);
    scope.stop();
  });

  it('shows a loading or error state, not a blank list, while the socket cannot connect (HTTP works)', async () => {
    const server = new FakeSocketServer();
    server.down = true;
    const http = new FakeHttp();
    const kept = record({ text: 'stored earlier' });
    http.records = [kept];
    const { scope, connection } = startApp(server, http);
    const list = mountHistoryList();
    await until(() => connection.status === 'reconnecting');
    await vue.nextTick();
    // History is plain HTTP: the list loads (or says it is loading / why it failed) without the socket.
    const text = list.text();
    expect(
      [kept.text, strings.history.loading, strings.history.loadFailed, strings.history.empty].some((s) =>
        text.includes(s),
      ),
    ).toBe(true);
    scope.stop();
  });
});
