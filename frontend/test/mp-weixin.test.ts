// @vitest-environment jsdom
/**
 * The COMPILED mp-weixin page in miniprogram-simulate, against the REAL backend (real Socket.IO server,
 * real SQLite, real pocketsphinx) — the build a developer uploads, configured for WeChat Cloud Hosting.
 *
 * `wx.cloud.connectContainer` / `callContainer` are faithful emulations over loopback that inject the
 * caller's openid like Cloud Hosting does, and the recorder emits PCM frames of flite speech at real time.
 * Proves: the Cloud Hosting path end to end (init, connectContainer, identity), press-and-hold recording
 * with live partial text and the final result rendered, history shown and stored, deletion with a confirm,
 * recording stopped cleanly when the app is hidden, the permission refusal prompt.
 */
import { join } from 'node:path';
import type { HistoryPage, TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../backend/src/server';
import { startTestServer } from '../../backend/test/support/server';
import { concatWithSilence, synthesizeSpeech } from '../../backend/test/support/speech-audio';
import { strings } from '../src/locale/strings';
import { buildApp, FRONTEND_DIR } from './support/build';
import { until } from './support/fake-server';
import { type LoadedPage, loadPage } from './support/mini-program';
import { createWxEmulation, type WxEmulation } from './support/wx-emulation';

const SENTENCE = 'what is the weather like today';
const CLOUD_ENV = 'test-env-1a2b';
const CLOUD_SERVICE = 'realtime-voice';
const OPENID = 'o-frontend-test';

let server: RunningServer;
let emulation: WxEmulation;
let app: LoadedPage;
let speechMs = 0;

beforeAll(async () => {
  const [root, speech, started] = await Promise.all([
    buildApp('mp-weixin', join(FRONTEND_DIR, 'dist', 'test', 'mp-weixin-cloud'), {
      VITE_CLOUD_ENV: CLOUD_ENV,
      VITE_CLOUD_SERVICE: CLOUD_SERVICE,
    }),
    synthesizeSpeech(SENTENCE, { voice: 'rms' }),
    // Anonymous use off: only Cloud Hosting's injected identity gets in.
    startTestServer({
      env: { ASR_ENGINE: 'pocketsphinx', AUTH_TRUST_WX_HEADERS: 'true' },
      engines: 'configured',
    }),
  ]);
  server = started;
  const audio = concatWithSilence([speech.pcm], { leadMs: 400, tailMs: 3000 });
  speechMs = 400 + speech.durationMs;
  emulation = createWxEmulation({
    backendUrl: server.url,
    cloudEnv: CLOUD_ENV,
    cloudService: CLOUD_SERVICE,
    openid: OPENID,
    speech: audio.pcm,
  });
  app = loadPage(root, 'pages/index/index', emulation.wx);
}, 240_000);

afterAll(async () => {
  app?.unload();
  await emulation?.close();
  await server?.close();
});

const status = () => app.find('connection-status')?.getAttribute('data-status');
const partialShown = () => {
  const text = app.text('partial-text');
  return (
    text !== '' && text !== strings.transcript.partialPlaceholder && text !== strings.transcript.listening
  );
};

async function historyFromServer(): Promise<readonly TranscriptRecord[]> {
  const res = await fetch(`${server.url}/api/history?limit=10`, { headers: { 'x-wx-openid': OPENID } });
  return ((await res.json()) as HistoryPage).records;
}

describe('compiled mp-weixin page on Cloud Hosting', { timeout: 30_000 }, () => {
  it('connects through wx.cloud.connectContainer with the configured env and service', async () => {
    await until(() => status() === 'connected', 15_000);
    expect(app.text('connection-status')).toContain(strings.status.connected);
    const request = emulation.cloud.requests[0];
    expect(request?.env).toBe(CLOUD_ENV);
    expect(request?.service).toBe(CLOUD_SERVICE);
    expect(request?.path).toMatch(/^\/socket\.io\/\?.*EIO=4/);
    expect(app.find('record-button')?.getAttribute('data-phase')).toBe('idle');
    // History loaded over callContainer (empty for a new user): the designed empty state.
    await until(() => app.find('history-list')?.getAttribute('data-loaded') === 'true', 10_000);
    expect(app.text('history-list')).toContain(strings.history.empty);
  });

  it('press and hold: live partial text while speaking, the final result on release, history shown', async () => {
    app.fire('record-button', 'touchstart');
    await until(() => app.find('record-button')?.getAttribute('data-phase') === 'recording', 10_000);
    expect(emulation.recorder.starts[0]).toMatchObject({
      format: 'PCM',
      sampleRate: 16_000,
      numberOfChannels: 1,
    });

    await until(partialShown, speechMs + 5_000);
    const partial = app.text('partial-text');
    expect(partial.length).toBeGreaterThan(0);

    // Keep holding until the speech and some silence went out, then release.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, speechMs + 1_200 - emulation.recorder.framesSent * 128)),
    );
    app.fire('record-button', 'touchend');
    await until(() => app.findAll('result-item').length > 0, 20_000);
    await until(() => app.find('record-button')?.getAttribute('data-phase') === 'idle', 20_000);

    const shown = app.text('result-list');
    expect(shown).toMatch(/weather/);
    await until(() => app.findAll('history-item').length > 0, 10_000);
    expect(app.text('history-list')).toMatch(/weather/);

    // Stored on the server under the Cloud Hosting identity, with the text the page shows.
    const stored = await historyFromServer();
    expect(stored).toHaveLength(1);
    expect(shown).toContain(stored[0]!.text);
    // Which engine served it is shown with the result.
    expect(app.text('result-meta')).toContain(stored[0]!.engine);
    expect(stored[0]!.engine).toBe('pocketsphinx');

    // The stats view, fed over callContainer, counts it.
    app.fire('tab-stats', 'tap');
    await until(() => app.text('stats-records') === '1', 10_000);
    app.fire('tab-history', 'tap');
    await until(() => app.findAll('history-item').length === 1, 10_000);
  }, 60_000);

  it('deletes a history record after the confirm dialog', async () => {
    const before = await historyFromServer();
    app.fire('history-delete', 'tap');
    await until(() => emulation.modals.length > 0, 5_000);
    expect(emulation.modals.at(-1)?.title).toBe(strings.history.deleteConfirmTitle);
    await until(() => app.findAll('history-item').length === 0, 10_000);
    expect(await historyFromServer()).toHaveLength(before.length - 1);
  });

  it('stops recording cleanly when the app goes to the background', async () => {
    app.fire('record-button', 'touchstart');
    await until(() => app.find('record-button')?.getAttribute('data-phase') === 'recording', 10_000);
    emulation.appHide();
    await until(() => app.find('record-button')?.getAttribute('data-phase') === 'idle', 15_000);
    expect(emulation.recorder.recording).toBe(false);
    expect(app.page.dom.textContent).toContain(strings.record.interrupted);
    app.fire('record-button', 'touchend');
    emulation.appShow();
    await until(() => status() === 'connected', 10_000);
  }, 30_000);

  it('asks to open settings when the record permission is refused', async () => {
    emulation.recordAuthorized = false;
    app.fire('record-button', 'touchstart');
    await until(() => app.find('permission-denied') !== undefined, 5_000);
    expect(app.text('permission-denied')).toContain(strings.record.permissionDenied);
    app.fire('record-button', 'touchend');
    await until(() => app.find('record-button')?.getAttribute('data-phase') === 'idle', 10_000);
    expect(emulation.recorder.recording).toBe(false);
    // The prompt's button opens WeChat's settings page (allowed: it runs from the user's tap).
    app.fire('open-settings', 'tap');
    await until(() => emulation.openSettingCalls === 1, 5_000);
    emulation.recordAuthorized = true;
  });
});
