// @vitest-environment jsdom
/**
 * Edge cases of the page's components and their wiring (useVoiceApp + stores) found by review, each failing
 * before its fix: a deleted record brought back by its take's stop ack, history states shown too early or
 * hiding older records, reconnections dropping loaded pages, history blank without a socket, a failed stats
 * refresh said nowhere, a second finger ending a hold, the mode switched mid-take, a press right after a
 * release dropped, server codes without Chinese text. Components are compiled from their `.vue` source with
 * `@vue/compiler-sfc` (vue's own dependency, same version; no `@vue/test-utils` here) and mounted with
 * Vue's DOM renderer in jsdom.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VoiceClientToServerEvents, VoiceServerToClientEvents } from '@realtime-voice/shared/voice';
import { compileScript, parse } from '@vue/compiler-sfc';
import { createPinia, setActivePinia } from 'pinia';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as vue from 'vue';
import { FakeHttp } from '../../test/support/fake-http';
import { FAST_CLIENT_OPTIONS, fakePlatform } from '../../test/support/fake-platform';
import { FakePcmRecorder } from '../../test/support/fake-recorder';
import { FakeSocketServer, until } from '../../test/support/fake-server';
import { record } from '../../test/support/records';
import { installTestApp, installTestStores } from '../../test/support/test-app';
import { useRealtimeVoice } from '../composables/useRealtimeVoice';
import { useRecorder } from '../composables/useRecorder';
import { useSocketIO } from '../composables/useSocketIO';
import { useVoiceApp } from '../composables/useVoiceApp';
import { type AppConfig, readConfig } from '../config';
import * as stringsModule from '../locale/strings';
import { useConnectionStore } from '../stores/connection';
import { useHistoryStore } from '../stores/history';
import { useStatsStore } from '../stores/stats';
import { useTranscriptStore } from '../stores/transcript';
import * as formatModule from '../utils/format';

const { strings } = stringsModule;
const fast = FAST_CLIENT_OPTIONS;

// ---------------------------------------------------------------------------------------------------------
// Mounting a component from its .vue source.

const MODULES: Readonly<Record<string, unknown>> = {
  vue,
  '../locale/strings': stringsModule,
  '../utils/format': formatModule,
};

/** Compiles `components/<name>.vue` (script setup + inline template) and returns the component. */
function loadComponent(name: string): vue.Component {
  // A string, not `new URL()`: under jsdom `URL` is jsdom's, which fileURLToPath rejects.
  const filename = resolve(dirname(fileURLToPath(import.meta.url)), `${name}.vue`);
  const { descriptor } = parse(readFileSync(filename, 'utf8'), { filename });
  const script = compileScript(descriptor, {
    id: name,
    inlineTemplate: true,
    fs: { fileExists: existsSync, readFile: (file) => readFileSync(file, 'utf8') },
    templateOptions: {
      compilerOptions: { isCustomElement: (tag) => tag === 'view' || tag === 'text' || tag === 'block' },
    },
  });
  const js = ts.transpileModule(script.content, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string): unknown => {
    const found = MODULES[id];
    if (!found) throw new Error(`${name}.vue imports ${id}: add it to MODULES`);
    return found;
  };
  new Function('require', 'module', 'exports', js)(require, module, module.exports);
  return module.exports.default as vue.Component;
}

interface Mounted {
  readonly el: HTMLElement;
  readonly emitted: Array<{ event: string; args: unknown[] }>;
  text(): string;
  unmount(): void;
}

const mounted: Mounted[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.unmount();
});

/** Mounts `component` with props read from `props()` (reactive), recording every emitted event. */
function mount(component: vue.Component, props: () => Record<string, unknown>, events: string[]): Mounted {
  const el = document.createElement('div');
  document.body.append(el);
  const emitted: Mounted['emitted'] = [];
  const listeners: Record<string, (...args: unknown[]) => void> = {};
  for (const event of events) {
    const key = `on${event
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('')}`;
    listeners[key] = (...args) => void emitted.push({ event, args });
  }
  const app = vue.createApp({ render: () => vue.h(component, { ...props(), ...listeners }) });
  app.config.warnHandler = () => undefined;
  app.mount(el);
  const result: Mounted = {
    el,
    emitted,
    text: () => el.textContent ?? '',
    unmount: () => {
      app.unmount();
      el.remove();
    },
  };
  mounted.push(result);
  return result;
}

/** A touch event as a mini-program or a browser delivers it: `touches` are the fingers still down. */
function touch(target: Element, type: 'touchstart' | 'touchend', fingersStillDown: number): void {
  const event = new Event(type, { bubbles: true, cancelable: true });
  const touches = Array.from({ length: fingersStillDown }, (_, identifier) => ({ identifier }));
  Object.defineProperty(event, 'touches', { value: touches });
  target.dispatchEvent(event);
}

// ---------------------------------------------------------------------------------------------------------
// The app over the fakes (as useVoiceApp.test.ts builds it).

function startApp(server: FakeSocketServer, http: FakeHttp, config: Partial<AppConfig> = {}) {
  const { platform } = fakePlatform(server, http, new FakePcmRecorder());
  const context = installTestApp(platform, { ...readConfig({}), ...config });
  const scope = vue.effectScope();
  const app = scope.run(() => useVoiceApp({ ...context, clientOptions: fast }))!;
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

// ---------------------------------------------------------------------------------------------------------

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

describe('stats view', () => {
  it('says so when a refresh fails while older stats are on screen', async () => {
    const http = new FakeHttp();
    http.records = [record()];
    installTestStores(http.client);
    const stats = useStatsStore();
    await stats.refresh();
    const panel = mount(
      loadComponent('StatsPanel'),
      () => ({ stats: stats.stats, loading: stats.loading, error: stats.error }),
      ['refresh'],
    );
    http.failWith = 'network';
    await stats.refresh();
    await vue.nextTick();
    expect(stats.error).toContain(strings.errors.network);
    // Pull to refresh ended, nothing changed: the page must tell why (HistoryList shows it in its footer).
    expect(panel.text()).toContain(strings.errors.network);
  });
});

describe('record button', () => {
  it('hold-to-talk: a second finger lifted while the first still holds does not end the take', async () => {
    const button = mount(
      loadComponent('RecordButton'),
      () => ({ phase: 'recording', mode: 'hold', disabled: false }),
      ['press', 'release', 'toggle', 'update:mode'],
    );
    const target = button.el.querySelector('[data-testid="record-button"]')!;
    touch(target, 'touchstart', 1);
    touch(target, 'touchstart', 2);
    touch(target, 'touchend', 1);
    expect(button.emitted.map((e) => e.event)).toEqual(['press']);
    touch(target, 'touchend', 0);
    expect(button.emitted.map((e) => e.event)).toEqual(['press', 'release']);
  });

  it('the mode cannot be switched during a take (the label would no longer match how it stops)', async () => {
    const button = mount(
      loadComponent('RecordButton'),
      () => ({ phase: 'recording', mode: 'toggle', disabled: false }),
      ['press', 'release', 'toggle', 'update:mode'],
    );
    // uni's `@tap` (a DOM `tap` event here, as the compiled template listens for it).
    button.el
      .querySelector('[data-testid="record-mode-hold"]')!
      .dispatchEvent(new Event('tap', { bubbles: true }));
    expect(button.emitted.map((e) => e.event)).toEqual([]);
  });
});

describe('hold to talk (useVoiceApp)', () => {
  it('a press while the previous take is still stopping is not silently dropped', async () => {
    const server = new FakeSocketServer();
    let sessions = 0;
    server.ackHandlers.set('start', () => ({ ok: true, sessionId: `s${++sessions}` }));
    server.ackHandlers.set('stop', () => ({ ok: true, records: [record({ sessionId: `s${sessions}` })] }));
    const driver = new FakePcmRecorder();
    // Releasing the microphone takes a moment (the last frame, the stop ack waits for the flush).
    driver.stopDelayMs = 50;
    const { platform } = fakePlatform(server, new FakeHttp(), driver);
    const scope = vue.effectScope();
    const app = scope.run(() => useVoiceApp({ ...installTestApp(platform), clientOptions: fast }))!;
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

describe('live transcript', () => {
  function voiceSetup(server: FakeSocketServer) {
    const driver = new FakePcmRecorder();
    const scope = vue.effectScope();
    const voice = scope.run(() => {
      const socket = useSocketIO<VoiceServerToClientEvents, VoiceClientToServerEvents>({
        uri: 'http://fake.test/realtime-voice',
        transport: server.transport,
        clientOptions: fast,
      });
      const recorder = useRecorder({ driver });
      return { socket, voice: useRealtimeVoice({ socket, recorder, ackTimeoutMs: 500 }) };
    })!;
    return { scope, ...voice, store: useTranscriptStore() };
  }

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
    const { scope, socket, voice, store } = voiceSetup(server);
    await until(() => socket.status.value === 'connected');
    expect(await voice.start()).toBe(false);
    expect(store.error).toBeDefined();
    expect(store.error).toMatch(/[\u4e00-\u9fff]/);
    scope.stop();
  });
});
