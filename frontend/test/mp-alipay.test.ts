// @vitest-environment node
/**
 * The COMPILED mp-alipay page (uni build -p mp-alipay), its JavaScript run in a bare `vm` context with an
 * emulated `my`, against the REAL backend (real Socket.IO server, real SQLite, real pocketsphinx).
 *
 * What it covers: the Alipay bundle as built (uni's Alipay runtime and API adapters, our platform code,
 * composables, stores and the Socket.IO client) driving `my.connectSocket` with Alipay's SocketTask shape
 * (`multiple: true`, binary as base64 + `isBuffer`), `my.request` with Alipay's shapes, and a recorder that
 * only gives mp3 frames (checked against Alipay's documented options) from lame-encoded flite speech. The
 * page's handlers are found through the compiled `.axml` and called as the child components would call
 * them; assertions read the page's setup state (its stores), which is what its template renders.
 *
 * What it does not cover: Alipay's renderer (`.axml`/`.acss` layout, the child components' own templates),
 * a real Alipay client or device recorder (frames are cut from a lame stream, not Alipay's encoder), and
 * Alipay's JS engine itself (Node's V8 stands in). See `support/alipay-page.ts`.
 *
 * A second page runs the same build on an emulated client older than 10.1.80 (it reports that version and
 * its recorder ignores `frameSize`): the page must record a file and upload it, and say live text is not
 * available.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { TranscriptRecord } from '@realtime-voice/shared/voice';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../backend/src/server';
import { encodeMp3 } from '../../backend/test/support/mp3';
import { startTestServer, TEST_SECRET } from '../../backend/test/support/server';
import { concatWithSilence, synthesizeSpeech, wordErrorRate } from '../../backend/test/support/speech-audio';
import { strings } from '../src/locale/strings';
import { type AlipayPage, loadAlipayPage } from './support/alipay-page';
import { buildApp, FRONTEND_DIR } from './support/build';
import { until } from './support/fake-server';
import { createMyEmulation, type MyEmulation } from './support/my-emulation';

const SENTENCE = 'what is the weather like today';
/** The origin baked into the build; the emulated network resolves it to the test backend. */
const APP_SERVER_URL = 'http://alipay-backend.test';
const USER = 'alipay-user';

let server: RunningServer;
let root: string;
let emulation: MyEmulation;
let page: AlipayPage;
let speechMs = 0;
let speechMp3: Uint8Array;
/** What the emulated microphone hears for the next recording (16 kHz, 48 kbit/s, as the app asks). */
let microphone: Uint8Array | undefined;

interface PageState {
  transcript: {
    phase: string;
    partial: string;
    results: TranscriptRecord[];
    live: boolean;
    error: string | undefined;
  };
  connection: { status: string };
}
const live = () => page.state<PageState>().transcript;
const phase = () => live().phase;
const status = () => page.state<PageState>().connection.status;

beforeAll(async () => {
  // A fixed token (fixed iat/exp) keeps the build's configuration, and so the cached build, stable.
  const token = await sign({ sub: USER, iat: 1_700_000_000, exp: 4_000_000_000 }, TEST_SECRET, 'HS256');
  const [built, speech, started] = await Promise.all([
    buildApp('mp-alipay', join(FRONTEND_DIR, 'dist', 'test', 'mp-alipay'), {
      VITE_SERVER_URL: APP_SERVER_URL,
      VITE_AUTH_TOKEN: token,
    }),
    synthesizeSpeech(SENTENCE, { voice: 'rms' }),
    startTestServer({ env: { ASR_ENGINE: 'pocketsphinx' }, engines: 'configured' }),
  ]);
  server = started;
  root = built;
  const audio = concatWithSilence([speech.pcm], { leadMs: 400, tailMs: 4000 });
  speechMs = 400 + speech.durationMs;
  speechMp3 = await encodeMp3(audio.pcm, { sampleRate: 16_000, bitrateKbps: 48 });
  microphone = speechMp3;
  emulation = createMyEmulation({
    appServerUrl: APP_SERVER_URL,
    backendUrl: server.url,
    mp3For: (sampleRate, bitRate) => (sampleRate === 16_000 && bitRate === 48_000 ? microphone : undefined),
  });
  page = loadAlipayPage(root, 'pages/index/index', emulation.my);
  emulation.arrayBuffer = page.arrayBuffer;
}, 240_000);

afterAll(async () => {
  page?.unload();
  await emulation?.close();
  await server?.close();
});

async function historyFromServer(): Promise<readonly TranscriptRecord[]> {
  return (await server.repository.list(USER, { limit: 10 })).records;
}

describe('compiled mp-alipay page', { timeout: 30_000 }, () => {
  it('connects over my.connectSocket and offers live text (no "not available" notice)', async () => {
    await until(() => status() === 'connected', 15_000);
    const socket = emulation.sockets.connections[0];
    expect(socket?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?.*EIO=4.*transport=websocket/);
    expect(live().live).toBe(true);
    expect(phase()).toBe('idle');
    // History came over my.request (Alipay's `headers`), with the app's bearer token.
    await until(() => emulation.requests.some((r) => r.url.includes('/api/history')), 10_000);
    const request = emulation.requests.find((r) => r.url.includes('/api/history'));
    expect(request?.headers.authorization).toMatch(/^Bearer /);
  });

  it('press and hold: mp3 frames stream live, partial text while speaking, the final result on release', async () => {
    await page.trigger('record-button', 'press');
    await until(() => phase() === 'recording', 10_000);
    expect(emulation.recorder.starts[0]).toMatchObject({
      format: 'mp3',
      sampleRate: 16_000,
      numberOfChannels: 1,
      encodeBitRate: 48_000,
      frameSize: 1,
    });

    await until(() => live().partial !== '', speechMs + 5_000);
    // Keep holding until the speech and a little silence went out (48 kbit/s = 6 bytes per ms).
    await until(() => emulation.recorder.bytesSent >= (speechMs + 1_000) * 6, speechMs + 5_000);
    await page.trigger('record-button', 'release');
    await until(() => live().results.length > 0, 20_000);
    await until(() => phase() === 'idle', 20_000);

    const text = live()
      .results.map((r) => r.text)
      .join(' ');
    expect(wordErrorRate(SENTENCE, text), text).toBeLessThanOrEqual(0.35);
    // Frames were cut wherever 1 KB fell, not on MPEG frame boundaries (144-byte frames at 48 kbit/s).
    expect(emulation.recorder.framesSent).toBeGreaterThan(3);
    const stored = await historyFromServer();
    expect(stored.map((r) => r.id)).toEqual(live().results.map((r) => r.id));
    expect(live().error ?? '').toBe('');
  }, 60_000);

  it("shows the server's error when the recorder sends something that is not mp3", async () => {
    microphone = new Uint8Array(randomBytes(48_000));
    try {
      await page.trigger('record-button', 'press');
      await until(() => (live().error ?? '') !== '', 15_000);
      // The server's MP3_INVALID, in the user's words (the page shows `transcript.error`).
      expect(live().error).toBe(strings.sessionErrors.MP3_INVALID);
      await page.trigger('record-button', 'release');
      await until(() => phase() === 'idle', 15_000);
      // Frames in flight when the server ended the session come back as NO_SESSION; the page keeps
      // saying why the take ended.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(live().error).toBe(strings.sessionErrors.MP3_INVALID);
      expect(await historyFromServer()).toHaveLength(1);
    } finally {
      microphone = speechMp3;
    }
  });

  it('ends the take when the app goes to the background', async () => {
    await page.trigger('record-button', 'press');
    await until(() => phase() === 'recording', 10_000);
    emulation.appHide();
    await until(() => phase() === 'idle', 15_000);
    expect(emulation.recorder.recording).toBe(false);
    expect(live().error).toBe(strings.record.interrupted);
    emulation.appShow();
    await until(() => status() === 'connected', 10_000);
  });
});

describe('compiled mp-alipay page on a client older than 10.1.80 (no recorder frames)', {
  timeout: 30_000,
}, () => {
  let old: MyEmulation;
  let oldPage: AlipayPage;
  const oldLive = () => oldPage.state<PageState>().transcript;

  beforeAll(() => {
    old = createMyEmulation({
      appServerUrl: APP_SERVER_URL,
      backendUrl: server.url,
      mp3For: (sampleRate, bitRate) => (sampleRate === 16_000 && bitRate === 48_000 ? speechMp3 : undefined),
      clientVersion: '10.1.68',
      recorderFrames: false,
    });
    oldPage = loadAlipayPage(root, 'pages/index/index', old.my);
    old.arrayBuffer = oldPage.arrayBuffer;
  });

  afterAll(async () => {
    oldPage?.unload();
    await old?.close();
  });

  it('says live text is not available', () => {
    // `live: false` is what makes the page show strings.record.liveUnavailable.
    expect(oldLive().live).toBe(false);
    expect(oldLive().phase).toBe('idle');
  });

  it('records an mp3 file without frameSize, uploads it on release and shows the result', async () => {
    await oldPage.trigger('record-button', 'press');
    await until(() => oldLive().phase === 'recording', 10_000);
    const started = Date.now();
    expect(old.recorder.starts[0]).toMatchObject({ format: 'mp3', sampleRate: 16_000, numberOfChannels: 1 });
    expect(old.recorder.starts[0]).not.toHaveProperty('frameSize');
    // Hold the button through the speech and a little silence (the file holds what was heard until release).
    await until(() => Date.now() - started >= speechMs + 1_000, speechMs + 5_000);
    await oldPage.trigger('record-button', 'release');
    await until(() => oldLive().results.length > 0 || (oldLive().error ?? '') !== '', 20_000);
    expect(oldLive().error ?? '').toBe('');
    await until(() => oldLive().phase === 'idle', 20_000);

    expect(old.recorder.framesSent).toBe(0);
    const upload = old.requests.find((r) => r.url.includes('/api/recognize'));
    expect(upload?.method).toBe('POST');
    expect(upload?.headers['content-type']).toBe('audio/mpeg');
    expect(upload?.bodyBytes).toBe([...old.recorder.files.values()][0]?.length);
    expect(upload?.bodyBytes).toBeGreaterThan(speechMs * 6);
    const text = oldLive()
      .results.map((r) => r.text)
      .join(' ');
    expect(wordErrorRate(SENTENCE, text), text).toBeLessThanOrEqual(0.35);
    const stored = (await historyFromServer()).map((r) => r.id);
    for (const record of oldLive().results) expect(stored).toContain(record.id);
  }, 60_000);

  it('uploads the take when the recorder stops itself at its time limit, and says so', async () => {
    const uploads = () => old.requests.filter((r) => r.url.includes('/api/recognize'));
    const uploadsBefore = uploads().length;
    const idsBefore = new Set(oldLive().results.map((r) => r.id));
    await oldPage.trigger('record-button', 'press');
    await until(() => oldLive().phase === 'recording', 10_000);
    expect(old.recorder.starts.at(-1)).toMatchObject({ duration: 180_000 });
    const started = Date.now();
    await until(() => Date.now() - started >= speechMs + 1_000, speechMs + 5_000);
    // The 3-minute `duration` runs out while the button is still held.
    expect(old.recorder.reachLimit()).toBe(true);
    await until(() => uploads().length === uploadsBefore + 1, 20_000);
    await until(() => oldLive().phase === 'idle', 20_000);
    expect(oldLive().error).toBe(strings.record.limitReached);
    const newest = [...old.recorder.files.values()].at(-1);
    expect(uploads().at(-1)?.bodyBytes).toBe(newest?.length);
    const fresh = oldLive().results.filter((r) => !idsBefore.has(r.id));
    const text = fresh.map((r) => r.text).join(' ');
    expect(wordErrorRate(SENTENCE, text), text).toBeLessThanOrEqual(0.35);
    // Releasing the button afterwards starts nothing and uploads nothing more.
    await oldPage.trigger('record-button', 'release');
    expect(uploads()).toHaveLength(uploadsBefore + 1);
    expect(old.recorder.recording).toBe(false);
  }, 60_000);
});
