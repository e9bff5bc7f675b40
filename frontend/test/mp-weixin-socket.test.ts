// @vitest-environment jsdom
/**
 * The COMPILED mp-weixin page configured WITHOUT Cloud Hosting: `wx.connectSocket` to a server URL and
 * `wx.request` for HTTP (the classic setup with a whitelisted domain), against the REAL backend.
 *
 * Proves: the connectSocket path of the platform layer (URL from `VITE_SERVER_URL`, Engine.IO query on the
 * SocketTask URL), toggle-mode recording with a final result, and a reconnect when the app returns to the
 * foreground after the server dropped the connection (the client's `lifecycle` option fed by `wx.onAppShow`).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../backend/src/server';
import { startTestServer } from '../../backend/test/support/server';
import { concatWithSilence, synthesizeSpeech } from '../../backend/test/support/speech-audio';
import { strings } from '../src/locale/strings';
import { buildApp, FRONTEND_DIR } from './support/build';
import { until } from './support/fake-server';
import { type LoadedPage, loadPage } from './support/mini-program';
import { createWxEmulation, type WxEmulation } from './support/wx-emulation';

const SENTENCE = 'play some music in the living room';

let server: RunningServer;
let emulation: WxEmulation;
let app: LoadedPage;
let speechMs = 0;

beforeAll(async () => {
  const [speech, started] = await Promise.all([
    synthesizeSpeech(SENTENCE, { voice: 'rms' }),
    startTestServer({
      env: { ASR_ENGINE: 'pocketsphinx', AUTH_ALLOW_ANONYMOUS: 'true' },
      engines: 'configured',
    }),
  ]);
  server = started;
  // The URL is baked into the build, as a developer's VITE_SERVER_URL would be.
  const root = await buildApp('mp-weixin', join(FRONTEND_DIR, 'dist', 'test', 'mp-weixin-socket'), {
    VITE_SERVER_URL: server.url,
  });
  const audio = concatWithSilence([speech.pcm], { leadMs: 400, tailMs: 3000 });
  speechMs = 400 + speech.durationMs;
  emulation = createWxEmulation({
    backendUrl: server.url,
    cloudEnv: 'unused',
    cloudService: 'unused',
    openid: 'unused',
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
const phase = () => app.find('record-button')?.getAttribute('data-phase');

describe('compiled mp-weixin page over wx.connectSocket', { timeout: 30_000 }, () => {
  it('connects with wx.connectSocket to the configured URL', async () => {
    await until(() => status() === 'connected', 15_000);
    const url = emulation.sockets.connections[0]?.url ?? '';
    expect(url.startsWith(`${server.url.replace('http', 'ws')}/socket.io/?`)).toBe(true);
    expect(url).toContain('EIO=4');
    expect(url).toContain('transport=websocket');
    expect(emulation.cloud.requests).toHaveLength(0);
  });

  it('toggle mode: tap to start, tap to stop, final text shown', async () => {
    expect(app.text('record-mode-toggle')).toBe(strings.record.modeToggle);
    app.fire('record-mode-toggle', 'tap');
    await until(() => app.find('record-button')?.getAttribute('data-mode') === 'toggle', 5_000);
    app.fire('record-button', 'tap');
    await until(() => phase() === 'recording', 10_000);
    await new Promise((resolve) => setTimeout(resolve, speechMs + 1_200));
    app.fire('record-button', 'tap');
    await until(() => app.findAll('result-item').length > 0, 20_000);
    expect(app.text('result-list')).toMatch(/music|living room/);
    await until(() => app.findAll('history-item').length > 0, 10_000);
  }, 60_000);

  it('reconnects at once when the app returns to the foreground, not after the backoff', async () => {
    // Background: WeChat cuts the socket and blocks the network; the client retries with growing delays.
    emulation.appHide();
    emulation.networkBlocked = true;
    await emulation.dropSockets();
    await until(() => status() === 'reconnecting', 5_000);
    await until(() => app.text('connection-status').includes('第 2 次'), 15_000);
    // Wait until that attempt has failed, so the client is waiting out its backoff (a foreground event
    // during an attempt that is still opening is ignored by design, see docs/decisions/0012).
    await until(() => emulation.sockets.connections.every((c) => !c.live), 5_000);
    // The next attempt is now ≥ 2 s away (1 s · 2² with ±50 % jitter).
    expect(emulation.listenerCounts().show).toBeGreaterThan(0);
    emulation.networkBlocked = false;
    const shownAt = Date.now();
    emulation.appShow();
    await until(() => status() === 'connected', 10_000);
    expect(Date.now() - shownAt).toBeLessThan(1_500);
    expect(emulation.sockets.liveCount()).toBe(1);
  });
});
