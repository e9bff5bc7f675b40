/**
 * The H5 build in headless Chromium against the REAL backend, which serves that build at `/` as it does
 * for a newcomer's `npm start`: real Socket.IO, real SQLite (a file, so it survives a restart), real
 * pocketsphinx. Chromium's fake microphone plays a flite speech WAV into getUserMedia; the app's
 * AudioWorklet turns it into 16 kHz s16le frames.
 *
 * Proves: press, speak, release → live partial text, then the final text on the page and in
 * `GET /api/history`; stopping the backend mid-session → the page says it is reconnecting (with the attempt
 * count) and stops the microphone; restarting on the same port → the page recovers, history intact, and
 * recognises again. Screenshots go to test-artifacts/ for a human look.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../backend/src/server';
import { startTestServer } from '../../backend/test/support/server';
import { concatWithSilence, synthesizeSpeech } from '../../backend/test/support/speech-audio';
import { strings } from '../src/locale/strings';
import { buildApp, FRONTEND_DIR, REPO_DIR } from './support/build';
import { writeWav } from './support/wav';

const SENTENCE = 'what is the weather like today';
const ARTIFACTS = join(REPO_DIR, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

let server: RunningServer | undefined;
let browser: Browser;
let page: Page;
let port = 0;
let staticDir = '';
let databaseUrl = '';
let speechMs = 0;

async function startBackend(): Promise<RunningServer> {
  return startTestServer({
    env: {
      PORT: String(port),
      STATIC_DIR: staticDir,
      DATABASE_URL: databaseUrl,
      ASR_ENGINE: 'pocketsphinx',
      // The H5 app of a local newcomer has no identity: anonymous use, as in development.
      AUTH_ALLOW_ANONYMOUS: 'true',
    },
    engines: 'configured',
  });
}

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const waitStatus = (status: string, timeout: number) =>
  page.waitForSelector(`[data-testid="connection-status"][data-status="${status}"]`, { timeout });
const waitPhase = (phase: string, timeout: number) =>
  page.waitForSelector(`[data-testid="record-button"][data-phase="${phase}"]`, { timeout });

async function waitForPartial(timeout: number): Promise<string> {
  const placeholders: string[] = [strings.transcript.partialPlaceholder, strings.transcript.listening];
  await page.waitForFunction(
    (hints) => {
      const text = document.querySelector('[data-testid="partial-text"]')?.textContent?.trim() ?? '';
      return text !== '' && !hints.includes(text);
    },
    placeholders,
    { timeout },
  );
  return (await byTestId('partial-text').textContent())?.trim() ?? '';
}

async function holdRecordButton(): Promise<void> {
  const box = await byTestId('record-button').boundingBox();
  if (!box) throw new Error('record button not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'rv-h5-e2e-'));
  databaseUrl = `file:${join(work, 'voice.db')}`;
  const [dir, speech] = await Promise.all([
    buildApp('h5', join(FRONTEND_DIR, 'dist', 'test', 'h5')),
    synthesizeSpeech(SENTENCE, { voice: 'rms' }),
  ]);
  staticDir = dir;
  // The fake microphone loops the file: speech, then a long silence so one take holds one utterance.
  const audio = concatWithSilence([speech.pcm], { leadMs: 300, tailMs: 6_000 });
  speechMs = 300 + speech.durationMs;
  const wavPath = join(work, 'speech.wav');
  await writeWav(wavPath, audio.pcm);

  server = await startBackend();
  port = server.port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wavPath}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 414, height: 860 }, deviceScaleFactor: 2 });
  await context.grantPermissions(['microphone'], { origin: server.url });
  page = await context.newPage();
  await page.goto(`${server.url}/`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('H5 app in Chromium against the real backend', { timeout: 30_000 }, () => {
  it('is served by the backend at / and connects over WebSocket', async () => {
    await waitStatus('connected', 20_000);
    await expect(byTestId('connection-status').textContent()).resolves.toContain(strings.status.connected);
    await page.waitForSelector('[data-testid="history-list"][data-loaded="true"]', { timeout: 10_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'h5-1-connected.png'), fullPage: true });
  });

  it('press, speak, release: live partial text, then the final text on the page and in GET /api/history', async () => {
    await holdRecordButton();
    await waitPhase('recording', 10_000);
    const partial = await waitForPartial(speechMs + 8_000);
    expect(partial.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'h5-2-speaking.png'), fullPage: true });
    // Hold through the end of the sentence plus some silence, then release.
    await page.waitForTimeout(Math.max(500, speechMs + 1_000));
    await page.mouse.up();
    await page.waitForSelector('[data-testid="result-item"]', { timeout: 20_000 });
    await waitPhase('idle', 20_000);
    const shown = (await byTestId('result-list').textContent()) ?? '';
    expect(shown).toMatch(/weather/);

    const res = await fetch(`${server!.url}/api/history?limit=5`);
    const { records } = (await res.json()) as { records: Array<{ text: string; engine: string }> };
    expect(records.length).toBeGreaterThan(0);
    expect(shown).toContain(records[0]!.text);
    // Which engine served it is shown with the result.
    expect(shown).toContain(records[0]!.engine);
    await page.waitForSelector('[data-testid="history-item"]', { timeout: 10_000 });
    await expect(byTestId('history-list').textContent()).resolves.toMatch(/weather/);
    await page.screenshot({ path: join(ARTIFACTS, 'h5-3-result.png'), fullPage: true });

    // The stats view shows the server's totals.
    await byTestId('tab-stats').click();
    const stats = (await (await fetch(`${server!.url}/api/stats`)).json()) as { totals: { records: number } };
    await page.waitForSelector('[data-testid="stats-records"]', { timeout: 10_000 });
    await expect(byTestId('stats-records').textContent()).resolves.toBe(String(stats.totals.records));
    await page.screenshot({ path: join(ARTIFACTS, 'h5-3b-stats.png'), fullPage: true });
    await byTestId('tab-history').click();
  }, 60_000);

  it('backend stopped mid-session: shows reconnecting and stops recording; restarted on the same port: recovers', async () => {
    await holdRecordButton();
    await waitPhase('recording', 10_000);
    await server!.close();
    server = undefined;
    await waitStatus('reconnecting', 15_000);
    await waitPhase('idle', 10_000);
    await page.mouse.up();
    // The attempt count shows once the first retry has failed.
    await page.waitForFunction(
      () => /第 \d+ 次/.test(document.querySelector('[data-testid="connection-status"]')?.textContent ?? ''),
      undefined,
      { timeout: 15_000 },
    );
    // A graceful stop (SIGTERM, a deploy): the server stores what was said and says why before it goes.
    await expect(page.locator('body').textContent()).resolves.toContain(
      strings.sessionErrors.SERVER_RESTARTING,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'h5-4-reconnecting.png'), fullPage: true });

    server = await startBackend();
    expect(server.port).toBe(port);
    await waitStatus('connected', 20_000);
    // History survived the restart (SQLite file) and is shown again.
    await page.waitForSelector('[data-testid="history-item"]', { timeout: 10_000 });
    await expect(byTestId('history-list').textContent()).resolves.toMatch(/weather/);

    // And it recognises again after recovery, this time in toggle mode: tap to start, tap to stop.
    const before = await page.locator('[data-testid="result-item"]').count();
    await page.getByText(strings.record.modeToggle, { exact: true }).click();
    await page.waitForSelector('[data-testid="record-button"][data-mode="toggle"]');
    await byTestId('record-button').click();
    await waitPhase('recording', 10_000);
    await page.waitForTimeout(speechMs + 1_000);
    await byTestId('record-button').click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="result-item"]').length > n,
      before,
      { timeout: 20_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'h5-5-recovered.png'), fullPage: true });
  }, 90_000);
});
