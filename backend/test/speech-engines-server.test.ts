/**
 * @module speech-engines-server.test — the engines the server builds from its configuration, seen from
 * outside: `/healthz` lists each with an actionable status, choosing an unusable one gives its reason while
 * the others keep serving, and a live session on Tencent (pointed at the local protocol fake) stores
 * records that say which engine served them.
 */
import type { StartAck, StopAck, VoiceError } from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { connectClient, type TestClient } from './support/clients';
import {
  FAKE_TENCENT_CREDENTIALS,
  type FakeTencentServer,
  startFakeTencentAsr,
  tonePcm,
} from './support/fake-tencent-asr';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

interface HealthEngine {
  readonly name: string;
  readonly default: boolean;
  readonly ready: boolean;
  readonly code?: string;
  readonly message?: string;
}

let fake: FakeTencentServer;
let server: RunningServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  fake = await startFakeTencentAsr({ texts: ['你好 世界'] });
  server = await startTestServer({
    engines: 'configured',
    env: {
      ASR_ENGINE: 'pocketsphinx',
      TENCENT_APP_ID: FAKE_TENCENT_CREDENTIALS.appId,
      TENCENT_SECRET_ID: FAKE_TENCENT_CREDENTIALS.secretId,
      TENCENT_SECRET_KEY: FAKE_TENCENT_CREDENTIALS.secretKey,
      TENCENT_ASR_ENDPOINT: fake.endpoint,
    },
  });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  await fake?.close();
});

async function connect(userId: string, target: RunningServer = server): Promise<TestClient> {
  const client = await connectClient('ours', target.url, { auth: { token: await tokenFor(userId) } });
  clients.push(client);
  return client;
}

describe('configured engines', () => {
  it('/healthz lists pocketsphinx, sherpa-onnx and tencent, each with its status', async () => {
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { engines: HealthEngine[] };
    const byName = new Map(health.engines.map((engine) => [engine.name, engine]));
    expect([...byName.keys()]).toEqual(['pocketsphinx', 'sherpa-onnx', 'tencent']);
    expect(byName.get('pocketsphinx')).toMatchObject({ default: true, ready: true });
    expect(byName.get('sherpa-onnx')).toMatchObject({
      ready: false,
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringContaining('SHERPA_MODEL_DIR'),
    });
    expect(byName.get('tencent')).toMatchObject({ default: false, ready: true });
  });

  it('choosing sherpa-onnx without a model gives its reason; the same connection then uses tencent', async () => {
    const socket = await connect('chooser');
    const refused = await socket.ack<StartAck>('start', { sampleRate: 16000, engine: 'sherpa-onnx' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('model:fetch') },
    });

    const started = await socket.ack<StartAck>('start', {
      sampleRate: 16000,
      engine: 'tencent',
      language: 'zh',
    });
    expect(started.ok).toBe(true);
    const audio = Buffer.concat([tonePcm(500, true), tonePcm(400, false)]);
    for (let offset = 0; offset < audio.length; offset += 3200)
      socket.emit('audio', audio.subarray(offset, offset + 3200));
    const stopped = await socket.ack<StopAck>('stop');
    expect(stopped.ok).toBe(true);
    const records = stopped.ok ? stopped.records : [];
    expect(records.map((r) => [r.text, r.engine, r.language])).toEqual([['你好 世界', 'tencent', 'zh-CN']]);
    expect(fake.connections.at(-1)!.params.engine_model_type).toBe('16k_zh');
  });
});

describe('Tencent errors reach the client with our codes', () => {
  let failing: FakeTencentServer | undefined;
  let failingServer: RunningServer | undefined;

  afterAll(async () => {
    await failingServer?.close();
    await failing?.close();
  });

  it('a concurrency limit at start is ENGINE_BUSY; a mid-stream 4008 is a session-error ENGINE_TIMEOUT', async () => {
    // First connection: 4006 at the handshake; the next: 4008 after 300 ms of audio.
    failing = await startFakeTencentAsr({
      handshake: { code: 4006, message: '账号当前调用并发超限' },
      handshakeFaults: 1,
      failAfterAudioMs: 300,
      error: { code: 4008, message: '客户端超过15秒未发送音频数据' },
    });
    failingServer = await startTestServer({
      engines: 'configured',
      env: {
        ASR_ENGINE: 'tencent',
        TENCENT_APP_ID: FAKE_TENCENT_CREDENTIALS.appId,
        TENCENT_SECRET_ID: FAKE_TENCENT_CREDENTIALS.secretId,
        TENCENT_SECRET_KEY: FAKE_TENCENT_CREDENTIALS.secretKey,
        TENCENT_ASR_ENDPOINT: failing.endpoint,
      },
    });
    const socket = await connect('tencent-errors', failingServer);
    const busy = await socket.ack<StartAck>('start', { sampleRate: 16000 });
    expect(busy).toMatchObject({
      ok: false,
      error: { code: 'ENGINE_BUSY', message: expect.stringContaining('4006') },
    });

    const sessionError = new Promise<VoiceError>((resolve) => socket.once('session-error', resolve));
    const started = await socket.ack<StartAck>('start', { sampleRate: 16000 });
    expect(started.ok).toBe(true);
    socket.emit('audio', tonePcm(500, true));
    expect(await sessionError).toMatchObject({
      code: 'ENGINE_TIMEOUT',
      message: expect.stringContaining('Tencent ASR error 4008'),
    });
  }, 60_000);
});
