/**
 * @module voice-sessions.test — voice sessions (`src/services/voice/voice-sessions.ts`) end to end, on the paths where results used to be lost or
 * reordered, each promised by docs/backend.md ("The `/realtime-voice` namespace"), docs/protocol.md §6 or
 * SPEC §4, through the real server and the official client:
 * - a final the engine finished just before it failed is stored, announced and returned (also from
 *   Tencent, and on MySQL while an insert is in flight), and the `session-error` comes after its `result`;
 * - a `result` reaches the client before the next utterance's `partial`, and (with the Redis adapter)
 *   before the `stop` ack that returns it;
 * - the ack of an unknown event is answered (`UNKNOWN_EVENT`) instead of a `session-error`;
 * - a shutdown refuses a `start` still opening its engine with `SERVER_RESTARTING`, and waits for the
 *   sessions already ending (a client's `stop`, a vanished client's flush).
 * (`SESSION_MAX_BYTES` and the other limits: session-limits.test.ts.)
 */
import type { StartAck, StopAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import type { SpeechEngine, SpeechStream, SpeechStreamListener } from '../src/speech';
import { createTencentEngine } from '../src/speech/tencent';
import { connectClient, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { concat, createFakeEngine, loud } from './support/fake-engine';
import {
  FAKE_TENCENT_CREDENTIALS,
  type FakeTencentServer,
  startFakeTencentAsr,
  tonePcm,
} from './support/fake-tencent-asr';
import { emptyDir, startTestServer } from './support/server';
import { mysqlUnavailable, redisUnavailable, redisUrl, testMysqlDatabase } from './support/services';
import { tokenFor } from './support/tokens';

type SessionError = VoiceError & { sessionId?: string };

const running: RunningServer[] = [];
const clients: TestClient[] = [];
const fakes: FakeTencentServer[] = [];

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<RunningServer> {
  const started = await startTestServer(options);
  running.push(started);
  return started;
}

async function client(target: RunningServer, userId = 'rita'): Promise<TestClient> {
  const connected = await connectClient('official', target.url, { auth: { token: await tokenFor(userId) } });
  clients.push(connected);
  return connected;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/** What one `write` makes the engine report, delivered together in one later tick (one network read). */
type Step = { final: string } | { partial: string } | { error: string };

/**
 * An engine whose stream reports a scripted batch of callbacks per `write`, all in one tick — as the
 * Tencent stream does when several of Tencent's messages arrive in one read (ws emits them synchronously).
 */
function scriptedEngine(batches: Step[][]): SpeechEngine {
  return {
    name: 'scripted',
    languages: ['en-US'],
    status: () => ({ ready: true }),
    async createStream(_options, listener: SpeechStreamListener): Promise<SpeechStream> {
      const queue = [...batches];
      let delivered: Promise<void> = Promise.resolve();
      let atMs = 0;
      return {
        write(pcm) {
          const batch = queue.shift() ?? [];
          const startMs = atMs;
          atMs += pcm.byteLength / 32;
          const endMs = atMs;
          delivered = delivered.then(
            () =>
              new Promise<void>((resolve) => {
                setImmediate(() => {
                  for (const step of batch) {
                    if ('final' in step) listener.onFinal({ text: step.final, startMs, endMs });
                    else if ('partial' in step) listener.onPartial(step.partial);
                    else listener.onError(Object.assign(new Error(step.error), { code: 'ENGINE_FAILED' }));
                  }
                  resolve();
                });
              }),
          );
        },
        flush: () => delivered,
        close: async () => {},
      };
    },
    async close() {},
  };
}

describe('results are never lost', () => {
  it('stores and returns a final the engine delivered just before it failed (same tick)', async () => {
    const s = await server({
      engines: [scriptedEngine([[{ final: 'hello world' }, { error: 'connection lost' }]])],
      env: { ASR_ENGINE: 'scripted' },
    });
    const socket = await client(s);
    const results: TranscriptRecord[] = [];
    socket.on('result', ({ record }: { record: TranscriptRecord }) => results.push(record));
    // What the client had received when the failure arrived (read in the listener): the result first.
    let resultsBefore: string[] | undefined;
    socket.once('session-error', () => {
      resultsBefore = results.map((r) => r.text);
    });
    const failure = nextEvent<SessionError>(socket, 'session-error').then(({ code }) => ({
      code,
      resultsBefore,
    }));
    const started = await socket.ack<StartAck>('start', {});
    expect(started.ok).toBe(true);
    socket.emit('audio', loud(500));
    expect(await failure).toEqual({ code: 'ENGINE_FAILED', resultsBefore: ['hello world'] });
    const stopped = await socket.ack<StopAck>('stop');
    // The utterance was finished before the failure: "stored results stay", nothing is lost.
    expect(stopped.ok && stopped.records.map((r) => r.text)).toEqual(['hello world']);
    expect(results.map((r) => r.text)).toEqual(['hello world']);
    const stored = await s.repository.list('rita', { limit: 10 });
    expect(stored.records.map((r) => r.text)).toEqual(['hello world']);
  });

  it('Tencent: the final sent in the same burst as a mid-stream error is stored', async () => {
    // The fake sends the utterance's final (300 ms of quiet after the speech, at 600 ms of audio) and
    // then, in the same message handler, error 4008 — two frames the server reads in one go.
    const fake = await startFakeTencentAsr({
      texts: ['你好 世界'],
      failAfterAudioMs: 600,
      error: { code: 4008, message: '客户端超过15秒未发送音频数据' },
    });
    fakes.push(fake);
    const s = await server({
      engines: [
        createTencentEngine({ credentials: { ...FAKE_TENCENT_CREDENTIALS }, endpoint: fake.endpoint }),
      ],
      env: { ASR_ENGINE: 'tencent' },
    });
    const socket = await client(s, 'tom');
    const failure = nextEvent<SessionError>(socket, 'session-error', 15_000);
    const started = await socket.ack<StartAck>('start', { language: 'zh-CN' });
    expect(started.ok).toBe(true);
    socket.emit('audio', concat(tonePcm(300, true), tonePcm(500, false)));
    expect(await failure).toMatchObject({ code: 'ENGINE_TIMEOUT' });
    // Tencent did recognise the utterance before it failed.
    expect(fake.connections[0]?.texts).toEqual(['你好 世界']);
    const stopped = await socket.ack<StopAck>('stop');
    expect(stopped.ok && stopped.records.map((r) => r.text)).toEqual(['你好 世界']);
    const stored = await s.repository.list('tom', { limit: 10 });
    expect(stored.records.map((r) => r.text)).toEqual(['你好 世界']);
  }, 30_000);
});

describe.skipIf(mysqlUnavailable !== undefined)('results are never lost on MySQL', () => {
  it('an engine error arriving while a result is being inserted loses neither that result nor the next', async () => {
    // Two utterances finished together, then, a tick later, the engine fails — while MySQL is still
    // inserting the first (a round trip, not a synchronous call as with SQLite).
    const database = testMysqlDatabase();
    try {
      const s = await server({
        engines: [scriptedEngine([[{ final: 'one' }, { final: 'two' }], [{ error: 'connection lost' }]])],
        env: { ASR_ENGINE: 'scripted', DATABASE_URL: database.url },
      });
      const socket = await client(s, 'mia');
      const order: string[] = [];
      socket.on('result', ({ record }: { record: TranscriptRecord }) => order.push(`result:${record.text}`));
      socket.on('session-error', (error: SessionError) => order.push(`session-error:${error.code}`));
      const failure = nextEvent<SessionError>(socket, 'session-error');
      await socket.ack<StartAck>('start', {});
      socket.emit('audio', loud(500));
      socket.emit('audio', loud(100));
      expect(await failure).toMatchObject({ code: 'ENGINE_FAILED' });
      const stopped = await socket.ack<StopAck>('stop');
      const stored = (await s.repository.list('mia', { limit: 10 })).records.map((r) => r.text).sort();
      expect({
        records: stopped.ok && stopped.records.map((r) => r.text),
        stored,
        order,
      }).toEqual({
        records: ['one', 'two'],
        stored: ['one', 'two'],
        // The results the engine finished before it failed come first, then why the session ended.
        order: ['result:one', 'result:two', 'session-error:ENGINE_FAILED'],
      });
    } finally {
      await Promise.all(running.splice(0).map((r) => r.close()));
      await database.drop();
    }
  });
});

describe('ordering', () => {
  it('sends the result of an utterance before the partial of the next one', async () => {
    // The engine finished utterance 1 and already hears utterance 2, in one tick.
    const s = await server({
      engines: [scriptedEngine([[{ final: 'one' }, { partial: 'tw' }]])],
      env: { ASR_ENGINE: 'scripted' },
    });
    const socket = await client(s);
    const order: string[] = [];
    socket.on('result', ({ record }: { record: TranscriptRecord }) => order.push(`result:${record.text}`));
    socket.on('partial', ({ text }: { text: string }) => order.push(`partial:${text}`));
    const partial = nextEvent(socket, 'partial');
    const result = nextEvent(socket, 'result');
    await socket.ack<StartAck>('start', {});
    socket.emit('audio', loud(500));
    await Promise.all([partial, result]);
    // A client clears its partial line on `result` (frontend/src/stores/transcript.ts): a partial of the
    // next utterance sent before the previous result is wiped from the screen.
    expect(order).toEqual(['result:one', 'partial:tw']);
  });
});

describe.skipIf(redisUnavailable !== undefined)('ordering with the Redis adapter', () => {
  it('the results of a session reach the client before the stop ack that returns them', async () => {
    const s = await server({ env: { REDIS_URL: redisUrl ?? '' } });
    const socket = await client(s, 'rex');
    const order: string[] = [];
    socket.on('result', ({ record }: { record: TranscriptRecord }) => order.push(`result:${record.text}`));
    const result = nextEvent(socket, 'result');
    await socket.ack<StartAck>('start', {});
    socket.emit('audio', loud(300)); // mid-utterance: the stop's flush finishes it
    const stopped = await socket.ack<StopAck>('stop');
    order.push(`ack:${stopped.ok && stopped.records.map((r) => r.text).join(',')}`);
    await result;
    // Without Redis (and in docs/backend.md's table) results come first: "stop flushes the recognizer;
    // ack { ok: true, records }". An ack overtaking its results reorders them for every client.
    expect(order).toEqual(['result:utterance 1', 'ack:utterance 1']);
  });
});

describe('acknowledgements are always answered', () => {
  it('answers the ack of an unknown event with UNKNOWN_EVENT, instead of a session-error', async () => {
    const s = await server();
    const socket = await client(s);
    const errors: SessionError[] = [];
    socket.on('session-error', (error: SessionError) => errors.push(error));
    let answer: unknown;
    socket.emit('transcribe', { all: true }, (response: unknown) => {
      answer = response;
    });
    socket.emit('unknown-without-ack');
    // Acks and events are answered in order: once this one is back, the unknown events' answers are too.
    expect(await socket.ack<StopAck>('stop')).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    // The client that passed an ack hears it there; one that did not gets the session-error.
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_EVENT',
        message: expect.stringContaining('unknown-without-ack'),
      }),
    ]);
  });

  it('answers an audio chunk sent with an ack: { ok: true }, or the error instead of a session-error', async () => {
    const s = await server();
    const socket = await client(s);
    const errors: SessionError[] = [];
    socket.on('session-error', (error: SessionError) => errors.push(error));
    expect(await socket.ack('audio', loud(100))).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
    expect(await socket.ack('audio', 'not binary')).toMatchObject({
      ok: false,
      error: { code: 'BAD_AUDIO' },
    });
    await socket.ack<StartAck>('start', {});
    expect(await socket.ack('audio', loud(100))).toEqual({ ok: true });
    expect(await socket.ack<StopAck>('stop')).toMatchObject({ ok: true });
    expect(errors).toEqual([]);
  });
});

describe('shutdown', () => {
  it('a start still opening its engine when the server begins to shut down is refused as SERVER_RESTARTING', async () => {
    const s = await server({ engines: [createFakeEngine({ createDelayMs: 300 })] });
    const socket = await client(s);
    const starting = socket.ack<StartAck>('start', {});
    await until(() => s.sessions.activeCount === 1, 5_000, 'the session to be starting');
    const closing = s.close();
    const ack = await starting;
    await closing;
    // docs/backend.md: SERVER_RESTARTING (ack) = this instance is shutting down, reconnect elsewhere;
    // CLOSED means the connection itself is closing.
    expect(ack).toMatchObject({ ok: false, error: { code: 'SERVER_RESTARTING' } });
  });
});

/**
 * An engine whose `flush` takes `flushMs` before it reports the last utterance — as Tencent waits for
 * the cloud's last result, or pocketsphinx works through a backlog. `flushing` resolves when it begins.
 */
function slowFlushEngine(flushMs: number): SpeechEngine & { readonly flushing: Promise<void> } {
  let began: () => void = () => {};
  const flushing = new Promise<void>((resolve) => {
    began = resolve;
  });
  return {
    name: 'slow-flush',
    languages: ['en-US'],
    flushing,
    status: () => ({ ready: true }),
    async createStream(_options, listener: SpeechStreamListener): Promise<SpeechStream> {
      let bytes = 0;
      let closed = false;
      return {
        write(pcm) {
          bytes += pcm.byteLength;
        },
        async flush() {
          began();
          await new Promise((resolve) => setTimeout(resolve, flushMs));
          if (!closed) listener.onFinal({ text: 'last words', startMs: 0, endMs: bytes / 32 });
        },
        async close() {
          closed = true;
        },
      };
    },
    async close() {},
  };
}

describe('shutdown while a stop is flushing', () => {
  it('waits for the stop: its result is stored and its ack reaches the client before the transport closes', async () => {
    const databaseUrl = `file:${emptyDir()}/voice.db`;
    const engine = slowFlushEngine(500);
    const first = await server({
      engines: [engine],
      env: { ASR_ENGINE: 'slow-flush', DATABASE_URL: databaseUrl },
    });
    const socket = await client(first, 'sam');
    await socket.ack<StartAck>('start', {});
    socket.emit('audio', loud(300));
    const outcome = new Promise<string>((resolve) => {
      socket.emit('stop', (ack: StopAck) =>
        resolve(ack.ok ? `ack:${ack.records.map((r) => r.text).join(',')}` : `ack:${ack.error.code}`),
      );
      socket.once('disconnect', () => resolve('disconnect'));
    });
    await engine.flushing;
    // SIGTERM arrives while the session is being flushed by the client's own stop.
    await first.close();
    const seen = await outcome;
    const second = await server({ env: { DATABASE_URL: databaseUrl } });
    const stored = (await second.repository.list('sam', { limit: 5 })).records.map((r) => r.text);
    expect({ seen, stored }).toEqual({ seen: 'ack:last words', stored: ['last words'] });
  });
});

describe('shutdown while a vanished client is being flushed', () => {
  it('waits for that flush: the last utterance is stored before the database closes', async () => {
    const databaseUrl = `file:${emptyDir()}/voice.db`;
    const engine = slowFlushEngine(500);
    const first = await server({
      engines: [engine],
      env: { ASR_ENGINE: 'slow-flush', DATABASE_URL: databaseUrl },
    });
    const socket = await client(first, 'vic');
    await socket.ack<StartAck>('start', {});
    socket.emit('audio', loud(300));
    socket.close(); // the client vanishes mid-utterance: the server flushes its session
    await engine.flushing;
    await first.close(); // SIGTERM meanwhile
    const second = await server({ env: { DATABASE_URL: databaseUrl } });
    // docs/backend.md: a vanished client's session is flushed and stored; "a server shutdown does the
    // same for every session before the database closes".
    expect((await second.repository.list('vic', { limit: 5 })).records.map((r) => r.text)).toEqual([
      'last words',
    ]);
  });
});
