/**
 * @module speech-tencent.test — the Tencent Cloud real-time ASR client: the signature against Tencent's
 * documented test vector, and the protocol against a local server that follows the documented message
 * sequence (`support/fake-tencent-asr.ts`), including its error, timeout and pacing rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FinalHypothesis, SpeechEngine, SpeechError, SpeechStream } from '../src/speech';
import {
  buildTencentUrl,
  createTencentEngine,
  signingString,
  signTencent,
  type TencentEngineOptions,
} from '../src/speech/tencent';
import { openTencentSocket } from '../src/speech/tencent/stream';
import {
  FAKE_TENCENT_CREDENTIALS,
  type FakeTencentOptions,
  type FakeTencentServer,
  startFakeTencentAsr,
  tonePcm,
} from './support/fake-tencent-asr';

// Tencent's documented example (API 2.0 real-time ASR, "signature 签名生成"; also in TOOLCHAIN.md).
const VECTOR = {
  appId: '1259228442',
  secretId: 'AKIDoQq1zhZMN8dv0psmvud6OUKuGPO7pu0r',
  secretKey: 'kFpwoX5RYQ2SkqpeHgqmSzHK7h3A2fni',
  params: {
    engine_model_type: '16k_zh',
    expired: '1592380492',
    filter_dirty: '1',
    filter_modal: '1',
    filter_punc: '1',
    needvad: '1',
    nonce: '1592294092123',
    secretid: 'AKIDoQq1zhZMN8dv0psmvud6OUKuGPO7pu0r',
    timestamp: '1592294092',
    voice_format: '1',
    voice_id: 'RnKu9FODFHK5FPpsrN',
  },
  text: 'asr.cloud.tencent.com/asr/v2/1259228442?engine_model_type=16k_zh&expired=1592380492&filter_dirty=1&filter_modal=1&filter_punc=1&needvad=1&nonce=1592294092123&secretid=AKIDoQq1zhZMN8dv0psmvud6OUKuGPO7pu0r&timestamp=1592294092&voice_format=1&voice_id=RnKu9FODFHK5FPpsrN',
  signature: 'HepdTRX6u155qIPKNKC+3U0j1N0=',
};

describe('Tencent signature', () => {
  it('matches the documented test vector', () => {
    const text = signingString('asr.cloud.tencent.com', VECTOR.appId, VECTOR.params);
    expect(text).toBe(VECTOR.text);
    expect(signTencent(VECTOR.secretKey, text)).toBe(VECTOR.signature);
  });

  it('builds the documented final URL (sorted, signature URL-encoded)', () => {
    const { url, voiceId } = buildTencentUrl({
      credentials: VECTOR,
      params: {
        engine_model_type: '16k_zh',
        filter_dirty: '1',
        filter_modal: '1',
        filter_punc: '1',
        needvad: '1',
        voice_format: '1',
      },
      timestamp: 1592294092,
      validSeconds: 86_400,
      nonce: 1592294092123,
      voiceId: 'RnKu9FODFHK5FPpsrN',
    });
    expect(voiceId).toBe('RnKu9FODFHK5FPpsrN');
    // The URL in Tencent's documentation, byte for byte.
    expect(url).toBe(`wss://${VECTOR.text}&signature=HepdTRX6u155qIPKNKC%2B3U0j1N0%3D`);
  });

  it("signs over Tencent's host even when connecting elsewhere (a proxy or a test server)", () => {
    const { url } = buildTencentUrl({
      credentials: VECTOR,
      endpoint: 'ws://127.0.0.1:9999',
      params: {
        engine_model_type: '16k_zh',
        filter_dirty: '1',
        filter_modal: '1',
        filter_punc: '1',
        needvad: '1',
        voice_format: '1',
      },
      timestamp: 1592294092,
      validSeconds: 86_400,
      nonce: 1592294092123,
      voiceId: 'RnKu9FODFHK5FPpsrN',
    });
    expect(url).toBe(
      `ws://127.0.0.1:9999${VECTOR.text.slice('asr.cloud.tencent.com'.length)}&signature=HepdTRX6u155qIPKNKC%2B3U0j1N0%3D`,
    );
  });

  it('signs a different text differently (the key and every parameter count)', () => {
    expect(signTencent('another-key', VECTOR.text)).not.toBe(VECTOR.signature);
    expect(signTencent(VECTOR.secretKey, VECTOR.text.replace('16k_zh', '16k_en'))).not.toBe(VECTOR.signature);
  });
});

interface Recorded {
  readonly partials: string[];
  readonly finals: FinalHypothesis[];
  readonly errors: SpeechError[];
  readonly stream: SpeechStream;
  /** Resolves with the first error reported. */
  readonly failed: Promise<SpeechError>;
}

let fake: FakeTencentServer | undefined;
let engine: SpeechEngine | undefined;

afterEach(async () => {
  await engine?.close();
  await fake?.close();
  engine = undefined;
  fake = undefined;
});

async function setup(
  fakeOptions: FakeTencentOptions = {},
  engineOptions: TencentEngineOptions = {},
): Promise<{ fake: FakeTencentServer; engine: SpeechEngine }> {
  fake = await startFakeTencentAsr(fakeOptions);
  engine = createTencentEngine({
    credentials: FAKE_TENCENT_CREDENTIALS,
    endpoint: fake.endpoint,
    // 20× real time keeps tests short; the pacing test below runs at 1×.
    paceRate: 20,
    retryDelayMs: 20,
    ...engineOptions,
  });
  return { fake, engine };
}

async function open(target: SpeechEngine, language = 'zh-CN'): Promise<Recorded> {
  const partials: string[] = [];
  const finals: FinalHypothesis[] = [];
  const errors: SpeechError[] = [];
  let reportFailure: (error: SpeechError) => void = () => undefined;
  const failed = new Promise<SpeechError>((resolve) => {
    reportFailure = resolve;
  });
  const stream = await target.createStream(
    { sampleRate: 16000, language },
    {
      onPartial: (text) => partials.push(text),
      onFinal: (final) => finals.push(final),
      onError: (error) => {
        errors.push(error as SpeechError);
        reportFailure(error as SpeechError);
      },
    },
  );
  return { partials, finals, errors, stream, failed };
}

/** Two "utterances" for the fake: 600 ms loud, 400 ms quiet, 500 ms loud, 100 ms quiet. */
function twoUtterances(): Buffer {
  return Buffer.concat([tonePcm(600, true), tonePcm(400, false), tonePcm(500, true), tonePcm(100, false)]);
}

/** Wait until `condition` holds (polling), or fail after `ms`. */
async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function writeInChunks(stream: SpeechStream, pcm: Uint8Array, size: number): void {
  for (let offset = 0; offset < pcm.length; offset += size) {
    stream.write(pcm.subarray(offset, offset + size));
  }
}

describe('Tencent engine without credentials', () => {
  it('is listed as unavailable with the variables to set, and refuses streams with that message', async () => {
    const bare = createTencentEngine({ credentials: { appId: '1259228442' } });
    const status = bare.status();
    expect(status.ready).toBe(false);
    if (!status.ready) {
      expect(status.code).toBe('ENGINE_UNAVAILABLE');
      expect(status.message).toMatch(/TENCENT_SECRET_ID.*TENCENT_SECRET_KEY/);
    }
    await expect(
      bare.createStream({ sampleRate: 16000 }, { onPartial() {}, onFinal() {}, onError() {} }),
    ).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await bare.close();
  });
});

describe('Tencent engine against the documented protocol', () => {
  it('streams PCM and maps slice_type 0/1 to partials and 2 to finals, ending with {"type":"end"} → final:1', async () => {
    const { fake, engine } = await setup({ texts: ['实时 语音 识别', '你好 世界'] });
    const run = await open(engine);
    // Odd chunk sizes: the spare byte must be carried, not dropped or misaligned.
    writeInChunks(run.stream, twoUtterances(), 999);
    await run.stream.flush();

    expect(run.errors).toEqual([]);
    expect(run.finals.map((f) => f.text)).toEqual(['实时 语音 识别', '你好 世界']);
    expect(run.finals[0]).toMatchObject({ startMs: 0 });
    expect(run.finals[0]!.endMs).toBeGreaterThanOrEqual(590);
    expect(run.finals[0]!.endMs).toBeLessThanOrEqual(610);
    expect(run.finals[1]!.startMs).toBeGreaterThanOrEqual(990);
    expect(run.partials).toContain('实时');
    expect(run.partials).toContain('实时 语音');
    const connection = fake.connections[0]!;
    expect(connection.endReceived).toBe(true);
    expect(connection.params).toMatchObject({ engine_model_type: '16k_zh', voice_format: '1', needvad: '1' });
    // Every byte arrived, in 1280-byte (40 ms) frames except possibly the last.
    const bytes = connection.frames.reduce((sum, f) => sum + f.bytes, 0);
    expect(bytes).toBe(twoUtterances().length);
    expect(connection.frames.slice(0, -1).every((f) => f.bytes === 1280)).toBe(true);
  });

  it('picks the engine model from the language (en-US → 16k_en)', async () => {
    const { fake, engine } = await setup();
    const run = await open(engine, 'en-US');
    run.stream.write(tonePcm(200, false));
    await run.stream.flush();
    expect(fake.connections[0]!.params.engine_model_type).toBe('16k_en');
  });

  it('paces audio at real time: a 1.6 s burst is never more than the lead ahead of the wall clock', async () => {
    const { fake, engine } = await setup({}, { paceRate: 1, leadMs: 200 });
    const run = await open(engine);
    const started = performance.now();
    run.stream.write(twoUtterances());
    await run.stream.flush();
    const frames = fake.connections[0]!.frames;
    let audioMs = 0;
    for (const frame of frames) {
      audioMs += frame.bytes / 32;
      // Audio delivered by the time the frame arrived, minus wall time since the burst: the lead (200 ms)
      // plus one frame; anything faster breaks Tencent's 1:1 rule.
      expect(audioMs - (frame.at - started)).toBeLessThanOrEqual(200 + 40 + 5);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(1600 - 200 - 40);
    expect(run.finals).toHaveLength(2);
  });

  it('reports an authentication failure (4002) as ENGINE_UNAVAILABLE, without retrying, and shows it in status()', async () => {
    const { fake, engine } = await setup({ handshake: { code: 4002, message: '鉴权失败' } });
    const error = await open(engine).catch((e: SpeechError) => e);
    expect(error).toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/4002.*authentication failed.*TENCENT_SECRET_KEY/);
    expect(fake.connections).toHaveLength(1);
    const status = engine.status();
    expect(status).toMatchObject({ ready: false, code: 'ENGINE_UNAVAILABLE' });
    // …and a new session gets the reason at once, without another round trip.
    await expect(open(engine)).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    expect(fake.connections).toHaveLength(1);
  });

  it('is refused by a server that checks the signature when the SecretKey is wrong', async () => {
    const { fake, engine } = await setup(
      {},
      { credentials: { ...FAKE_TENCENT_CREDENTIALS, secretKey: 'not-the-right-key' } },
    );
    await expect(open(engine)).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringContaining('signature mismatch'),
    });
    expect(fake.connections).toHaveLength(1);
  });

  it('maps the concurrency limit (4006) to ENGINE_BUSY', async () => {
    const { engine } = await setup({ handshake: { code: 4006, message: '账号当前调用并发超限' } });
    await expect(open(engine)).rejects.toMatchObject({ code: 'ENGINE_BUSY' });
    expect(engine.status().ready).toBe(true);
  });

  it('retries the handshake once after a server error (5000) and then streams', async () => {
    const { fake, engine } = await setup({
      handshake: { code: 5000, message: '后台错误，请重试' },
      handshakeFaults: 1,
    });
    const run = await open(engine);
    run.stream.write(Buffer.concat([tonePcm(300, true), tonePcm(400, false)]));
    await run.stream.flush();
    expect(fake.connections).toHaveLength(2);
    expect(run.finals.map((f) => f.text)).toEqual(['utterance 0']);
    // A fresh voice_id (and signature) for the second attempt.
    expect(fake.connections[1]!.params.voice_id).not.toBe(fake.connections[0]!.params.voice_id);
  });

  it('gives up after the configured attempts when the service keeps failing', async () => {
    const { fake, engine } = await setup(
      { handshake: { code: 5001, message: '识别失败' } },
      { connectAttempts: 3 },
    );
    await expect(open(engine)).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      message: expect.stringContaining('5001'),
    });
    expect(fake.connections).toHaveLength(3);
  });

  it('times out a handshake that never comes (ENGINE_TIMEOUT)', async () => {
    const { engine } = await setup({ handshake: 'silent' }, { handshakeTimeoutMs: 300, connectAttempts: 1 });
    const started = performance.now();
    await expect(open(engine)).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('fails clearly when nothing listens at the endpoint', async () => {
    const { engine: unused } = await setup();
    await unused.close();
    const closedPort = fake!.endpoint;
    await fake!.close();
    fake = undefined;
    engine = createTencentEngine({
      credentials: FAKE_TENCENT_CREDENTIALS,
      endpoint: closedPort,
      retryDelayMs: 10,
    });
    await expect(open(engine)).rejects.toMatchObject({
      code: 'ENGINE_FAILED',
      message: expect.stringContaining('cannot be reached'),
    });
  });

  it('reports a mid-stream service error with its code, stops calling back, and lets flush resolve', async () => {
    const { engine } = await setup({ failAfterAudioMs: 500, error: { code: 4007, message: '音频解码失败' } });
    const run = await open(engine);
    run.stream.write(twoUtterances());
    const error = await run.failed;
    expect(error).toMatchObject({ code: 'ENGINE_FAILED', message: expect.stringContaining('4007') });
    await run.stream.flush();
    expect(run.errors).toHaveLength(1);
    expect(run.finals).toEqual([]);
  });

  it('reports a dropped connection as ENGINE_FAILED (recognition state is lost with it)', async () => {
    const { engine } = await setup({ dropAfterAudioMs: 300 });
    const run = await open(engine);
    run.stream.write(twoUtterances());
    const error = await run.failed;
    expect(error).toMatchObject({
      code: 'ENGINE_FAILED',
      message: expect.stringContaining('closed the connection'),
    });
  });

  it('reports a final:1 that comes before our end message as ENGINE_FAILED (never a silent stop)', async () => {
    const { engine } = await setup({ finalAfterAudioMs: 300 });
    const run = await open(engine);
    run.stream.write(twoUtterances());
    const error = await run.failed;
    expect(error).toMatchObject({
      code: 'ENGINE_FAILED',
      message: expect.stringContaining('before the end'),
    });
    await run.stream.flush();
    expect(run.errors).toHaveLength(1);
  });

  it("maps Tencent's no-audio timeout (4008) to ENGINE_TIMEOUT", async () => {
    const { engine } = await setup({ noAudioTimeoutMs: 200 });
    const run = await open(engine);
    run.stream.write(tonePcm(100, false));
    const error = await run.failed;
    expect(error).toMatchObject({ code: 'ENGINE_TIMEOUT', message: expect.stringContaining('4008') });
  });

  it('keeps a paused stream alive with silence frames, and keeps finals on our audio timeline', async () => {
    // Timeout 5× the keep-alive interval: an event loop stalled by a loaded machine must not fail it.
    const { fake, engine } = await setup({ noAudioTimeoutMs: 1000 }, { keepAliveMs: 200 });
    const run = await open(engine);
    run.stream.write(Buffer.concat([tonePcm(300, true), tonePcm(400, false)]));
    // A pause twice as long as the server's no-audio timeout (a recorder paused in the background).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    run.stream.write(Buffer.concat([tonePcm(300, true), tonePcm(400, false)]));
    await run.stream.flush();
    expect(run.errors).toEqual([]);
    expect(run.finals.map((f) => f.text)).toEqual(['utterance 0', 'utterance 1']);
    // The second utterance starts 700 ms into the audio we were given, whatever silence was inserted.
    expect(run.finals[1]!.startMs).toBeGreaterThanOrEqual(690);
    expect(run.finals[1]!.startMs).toBeLessThanOrEqual(720);
    // Frames beyond the 1400 ms of audio we wrote (35 frames of 40 ms) are keep-alive silence.
    const silent = fake.connections[0]!.frames.length - Math.ceil((1400 * 32) / 1280);
    expect(silent).toBeGreaterThanOrEqual(3);
  });

  it('times out when the final answer to {"type":"end"} never comes', async () => {
    const { fake, engine } = await setup({ ignoreEnd: true }, { finalTimeoutMs: 300 });
    const run = await open(engine);
    run.stream.write(tonePcm(100, false));
    await run.stream.flush();
    expect(fake.connections[0]!.endReceived).toBe(true);
    expect(run.errors.map((e) => e.code)).toEqual(['ENGINE_TIMEOUT']);
  });

  it('close() aborts: the connection closes normally and no callback follows', async () => {
    const { fake, engine } = await setup();
    const run = await open(engine);
    run.stream.write(tonePcm(300, true));
    await run.stream.close();
    await fake.closedConnections(1);
    expect(fake.connections[0]!.closedWith).toBe(1000);
    expect(fake.connections[0]!.endReceived).toBe(false);
    const counts = [run.partials.length, run.finals.length, run.errors.length];
    run.stream.write(tonePcm(300, true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([run.partials.length, run.finals.length, run.errors.length]).toEqual(counts);
  });

  it('close() while flush() waits for final:1 resolves that flush, without an error', async () => {
    const { fake, engine } = await setup({ ignoreEnd: true }, { finalTimeoutMs: 30_000 });
    const run = await open(engine);
    run.stream.write(tonePcm(100, false));
    const flushing = run.stream.flush();
    await until(() => fake.connections[0]?.endReceived === true);
    await run.stream.close();
    await flushing;
    expect(run.errors).toEqual([]);
    await fake.closedConnections(1);
  });

  it('engine close() during a handshake ends it at once (ENGINE_CLOSED) and leaves no socket', async () => {
    const { fake, engine } = await setup({ handshake: 'silent' }, { handshakeTimeoutMs: 30_000 });
    const pending = open(engine).catch((error: SpeechError) => error);
    await until(() => fake.connections.length === 1);
    const started = performance.now();
    await engine.close();
    expect(await pending).toMatchObject({ code: 'ENGINE_CLOSED' });
    expect(performance.now() - started).toBeLessThan(5_000);
    await fake.closedConnections(1);
  });

  it('engine close() during the retry wait ends it without another attempt', async () => {
    const { fake, engine } = await setup(
      { handshake: { code: 5000, message: '后台错误，请重试' } },
      { retryDelayMs: 30_000, connectAttempts: 2 },
    );
    const pending = open(engine).catch((error: SpeechError) => error);
    await until(() => fake.connections.length === 1);
    await fake.closedConnections(1);
    await engine.close();
    expect(await pending).toMatchObject({ code: 'ENGINE_CLOSED' });
    expect(fake.connections).toHaveLength(1);
  });

  it('refuses unsupported languages and sample rates before connecting', async () => {
    const { fake, engine } = await setup();
    await expect(open(engine, 'fr-FR')).rejects.toMatchObject({ code: 'UNSUPPORTED_LANGUAGE' });
    await expect(
      engine.createStream({ sampleRate: 8000 }, { onPartial() {}, onFinal() {}, onError() {} }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_SAMPLE_RATE' });
    expect(fake.connections).toHaveLength(0);
  });
});

describe('the local Tencent stand-in follows the documentation, not our client', () => {
  const params = { engine_model_type: '16k_zh', voice_format: '1', needvad: '1' };

  it('refuses a signature over the address it was reached at (Tencent signs its own host): 4002', async () => {
    fake = await startFakeTencentAsr();
    const host = new URL(fake.endpoint).host;
    const timestamp = Math.floor(Date.now() / 1000);
    const signed: Record<string, string> = {
      ...params,
      secretid: FAKE_TENCENT_CREDENTIALS.secretId,
      timestamp: String(timestamp),
      expired: String(timestamp + 3600),
      nonce: '12345',
      voice_id: 'wrong-host-signature',
    };
    const signature = signTencent(
      FAKE_TENCENT_CREDENTIALS.secretKey,
      signingString(host, FAKE_TENCENT_CREDENTIALS.appId, signed),
    );
    const query = new URLSearchParams({ ...signed, signature }).toString();
    await expect(
      openTencentSocket(`${fake.endpoint}/asr/v2/${FAKE_TENCENT_CREDENTIALS.appId}?${query}`, 5_000),
    ).rejects.toMatchObject({ tencentCode: 4002, message: expect.stringContaining('signature mismatch') });
  });

  it('refuses a reused voice_id (4001) and a signature valid for 90 days or more (4002)', async () => {
    fake = await startFakeTencentAsr();
    const options = { credentials: FAKE_TENCENT_CREDENTIALS, endpoint: fake.endpoint, params };
    const first = await openTencentSocket(buildTencentUrl({ ...options, voiceId: 'same-id' }).url, 5_000);
    first.close();
    await expect(
      openTencentSocket(buildTencentUrl({ ...options, voiceId: 'same-id' }).url, 5_000),
    ).rejects.toMatchObject({ tencentCode: 4001, message: expect.stringContaining('already used') });
    await expect(
      openTencentSocket(buildTencentUrl({ ...options, validSeconds: 90 * 86_400 }).url, 5_000),
    ).rejects.toMatchObject({ tencentCode: 4002, message: expect.stringContaining('90 days') });
  });
});
