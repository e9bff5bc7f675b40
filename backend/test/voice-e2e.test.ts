/**
 * End to end with the real pocketsphinx engine on flite speech: a live session streamed at real-time pace
 * through our client (partials before finals, stored before announced, word error rate bounded), the same
 * with the official client, and an uploaded WAV through `POST /api/recognize`.
 */
import { readFile } from 'node:fs/promises';
import type { StartAck, StopAck, TranscriptRecord } from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { type ClientKind, connectClient, type TestClient } from './support/clients';
import { startTestServer } from './support/server';
import { concatWithSilence, streamAtRealTime, synthesizeSpeech, wordErrorRate } from './support/speech-audio';
import { tokenFor } from './support/tokens';

const FIRST = 'how many miles is it to the nearest station';
const SECOND = 'what is the weather like today';

let server: RunningServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  // The server builds the real pocketsphinx engine from its configuration, as in production.
  server = await startTestServer({ env: { ASR_ENGINE: 'pocketsphinx' }, engines: 'configured' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

async function connect(kind: ClientKind, userId: string): Promise<TestClient> {
  const client = await connectClient(kind, server.url, { auth: { token: await tokenFor(userId) } });
  clients.push(client);
  return client;
}

describe('live recognition with pocketsphinx', () => {
  it('the engine is ready on this machine', async () => {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { ready: boolean };
    expect(health.ready).toBe(true);
  });

  it('streams two sentences at real time through our client: partials first, finals stored before announced', async () => {
    const [one, two] = await Promise.all([synthesizeSpeech(FIRST), synthesizeSpeech(SECOND)]);
    const audio = concatWithSilence([one.pcm, two.pcm], { gapMs: 1000, leadMs: 300, tailMs: 800 });
    const socket = await connect('ours', 'speaker');
    const watcher = await connect('ours', 'speaker');
    const events: string[] = [];
    const partials: string[] = [];
    const storedWhenAnnounced: boolean[] = [];
    const announced: TranscriptRecord[] = [];
    socket.on('partial', (payload: unknown) => {
      events.push('partial');
      partials.push((payload as { text: string }).text);
    });
    socket.on('result', (payload: unknown) => {
      const { record } = payload as { record: TranscriptRecord };
      events.push('result');
      void server.repository
        .get(record.userId, record.id)
        .then((r) => storedWhenAnnounced.push(r !== undefined));
    });
    watcher.on('history:new', (record: unknown) => announced.push(record as TranscriptRecord));

    const started = await socket.ack<StartAck>('start', { sampleRate: 16000, language: 'en-US' });
    expect(started.ok).toBe(true);
    await streamAtRealTime(audio.pcm, 100, (chunk) => socket.emit('audio', chunk));
    const stopped = await socket.ack<StopAck>('stop');

    expect(stopped.ok).toBe(true);
    const records = stopped.ok ? stopped.records : [];
    const text = records.map((r) => r.text).join(' ');
    expect(wordErrorRate(`${FIRST} ${SECOND}`, text), text).toBeLessThanOrEqual(0.35);
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect(events[0]).toBe('partial');
    expect(partials.length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => storedWhenAnnounced.length, { timeout: 5_000 }).toBe(records.length);
    expect(storedWhenAnnounced.every(Boolean)).toBe(true);
    await expect.poll(() => announced.length, { timeout: 5_000 }).toBe(records.length);
    for (const record of records) {
      expect(record.engine).toBe('pocketsphinx');
      expect(record.audioMs).toBeGreaterThan(500);
      // Typically ~1 s (the detector waits 500 ms of silence); the bound leaves room for a loaded 2-core machine.
      expect(record.latencyMs).toBeLessThan(10_000);
    }
  }, 60_000);

  it('works with the official socket.io-client too', async () => {
    const speech = await synthesizeSpeech(SECOND, { voice: 'rms' });
    const socket = await connect('official', 'official-user');
    const results: TranscriptRecord[] = [];
    socket.on('result', (payload: unknown) => results.push((payload as { record: TranscriptRecord }).record));
    expect((await socket.ack<StartAck>('start', {})).ok).toBe(true);
    await streamAtRealTime(speech.pcm, 100, (chunk) => socket.emit('audio', chunk), { speed: 2 });
    const stopped = await socket.ack<StopAck>('stop');
    const text = stopped.ok ? stopped.records.map((r) => r.text).join(' ') : '';
    expect(wordErrorRate(SECOND, text), text).toBeLessThanOrEqual(0.35);
    expect(results.map((r) => r.id)).toEqual(stopped.ok ? stopped.records.map((r) => r.id) : []);
  }, 60_000);
});

describe('uploaded file with pocketsphinx', () => {
  it('transcribes a flite WAV through POST /api/recognize and stores it like a live session', async () => {
    const speech = await synthesizeSpeech(FIRST, { voice: 'slt' });
    const wav = await readFile(speech.wavPath);
    const response = await fetch(`${server.url}/api/recognize`, {
      method: 'POST',
      body: wav,
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${await tokenFor('uploader')}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { records: TranscriptRecord[]; audioMs: number; engine: string };
    const text = body.records.map((r) => r.text).join(' ');
    expect(wordErrorRate(FIRST, text), text).toBeLessThanOrEqual(0.4);
    expect(body.engine).toBe('pocketsphinx');
    expect(Math.abs(body.audioMs - speech.durationMs)).toBeLessThan(50);
    const history = await server.repository.list('uploader', { limit: 10 });
    expect(history.records.map((r) => r.id).sort()).toEqual(body.records.map((r) => r.id).sort());
  }, 60_000);
});
