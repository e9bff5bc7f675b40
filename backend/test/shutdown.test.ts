/**
 * Graceful shutdown and readiness of one instance, in process (the multi-instance test does the same with
 * real processes and SIGTERM): results flushed and stored before the client is told and disconnected,
 * new sessions refused while draining, `/readyz` vs `/healthz`, a hung engine bounded by
 * `SHUTDOWN_TIMEOUT_SECONDS`, and clear start failures when MySQL or Redis cannot be reached — on both
 * SQLite and MySQL.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { StartAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import { healthRoutes } from '../src/http/routes/health';
import type { RunningServer } from '../src/server';
import type { SpeechEngine } from '../src/speech';
import { connectClient, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { chunks, concat, createFakeEngine, loud, quiet } from './support/fake-engine';
import { startRedis } from './support/global-services';
import { emptyDir, startTestServer } from './support/server';
import { mysqlUnavailable, redisUnavailable, redisUrl, testMysqlDatabase } from './support/services';
import { tokenFor } from './support/tokens';

const servers: RunningServer[] = [];
const clients: TestClient[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function server(env: Record<string, string> = {}, engines?: readonly SpeechEngine[]) {
  const s = await startTestServer({ env, ...(engines ? { engines } : {}) });
  servers.push(s);
  return s;
}

async function client(s: RunningServer, userId: string): Promise<TestClient> {
  const c = await connectClient('ours', s.url, { auth: { token: await tokenFor(userId) } });
  clients.push(c);
  return c;
}

const databases = [
  { name: 'SQLite', skip: undefined, env: async () => ({ DATABASE_URL: `file:${emptyDir()}/voice.db` }) },
  {
    name: 'MySQL',
    skip: mysqlUnavailable,
    env: async () => {
      const database = testMysqlDatabase();
      cleanups.push(() => database.drop());
      return { DATABASE_URL: database.url };
    },
  },
] as const;

for (const database of databases) {
  const name = database.skip ? `${database.name} — skipped: ${database.skip}` : database.name;
  describe.skipIf(database.skip !== undefined)(`graceful shutdown on ${name}`, () => {
    it('flushes and stores the cut session, tells the client after its results, then closes its transport', async () => {
      const env = await database.env();
      const first = await server(env);
      const socket = await client(first, 'gina');
      const other = await client(first, 'ola');
      const order: string[] = [];
      const results: TranscriptRecord[] = [];
      socket.on('result', ({ record }: { record: TranscriptRecord }) => {
        results.push(record);
        order.push('result');
      });
      socket.on('session-error', (error: VoiceError) => order.push(`session-error:${error.code}`));
      const otherErrors: VoiceError[] = [];
      other.on('session-error', (error: VoiceError) => otherErrors.push(error));
      const disconnected = nextEvent<string>(socket, 'disconnect');

      const started = await socket.ack<StartAck>('start', {});
      expect(started.ok).toBe(true);
      for (const chunk of chunks(concat(loud(300), quiet(400), loud(300)))) socket.emit('audio', chunk);
      await until(() => results.length === 1, 5_000, 'the first result');

      const closing = first.close();
      expect(first.draining).toBe(true);
      expect(await disconnected).toBe('transport close');
      await closing;
      // The second utterance was cut mid-way: flushed, stored, sent — then the notice, then the close.
      expect(order).toEqual(['result', 'result', 'session-error:SERVER_RESTARTING']);
      // A connection without a session is not told anything (it just reconnects).
      expect(otherErrors).toEqual([]);

      const second = await server(env);
      const response = await fetch(`${second.url}/api/history`, {
        headers: { authorization: `Bearer ${await tokenFor('gina')}` },
      });
      const body = (await response.json()) as { records: TranscriptRecord[] };
      expect(body.records.map((r) => r.id).sort()).toEqual(results.map((r) => r.id).sort());
      expect(body.records.map((r) => r.text)).toEqual(['utterance 2', 'utterance 1']);
    });
  });
}

describe('draining and readiness', () => {
  it('while draining: no new connections, no new sessions, not ready', async () => {
    // A slow engine keeps the shutdown in its flush long enough to look at the draining instance.
    const slow = createFakeEngine({ createDelayMs: 0 });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engine: SpeechEngine = {
      ...slow,
      name: 'fake',
      status: () => slow.status(),
      close: () => slow.close(),
      async createStream(options, listener) {
        const stream = await slow.createStream(options, listener);
        return {
          ...stream,
          write: (pcm) => stream.write(pcm),
          close: () => stream.close(),
          flush: () => held.then(() => stream.flush()),
        };
      },
    };
    const s = await server({}, [engine]);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    const readyBody = (await ready.json()) as { checks: Record<string, unknown> };
    expect(readyBody.checks).not.toHaveProperty('redis'); // one instance: no Redis to check
    expect(readyBody).toMatchObject({
      ready: true,
      draining: false,
      checks: { database: { ok: true }, engine: { name: 'fake', ok: true } },
    });

    const speaking = await client(s, 'hal');
    const late = await client(s, 'ida');
    expect((await speaking.ack<StartAck>('start', {})).ok).toBe(true);
    await until(() => s.sessions.activeCount === 1, 5_000, 'a live session');
    const closing = s.close();
    // Still connected (the flush is held): a new session is refused with the shutdown's code.
    expect(await late.ack<StartAck>('start', {})).toEqual({
      ok: false,
      error: { code: 'SERVER_RESTARTING', message: expect.stringMatching(/shutting down/) },
    });
    // The listener is closed: a load balancer's new connection (and its probe) goes elsewhere.
    await expect(fetch(`${s.url}/readyz`)).rejects.toThrow();
    // What the probes would say, asked in process: not ready, draining.
    const probe = healthRoutes({
      engines: s.engines,
      repository: s.repository,
      activeSessions: () => 1,
      startedAt: 0,
      draining: () => s.draining,
    });
    expect(await (await probe.request('/healthz')).json()).toMatchObject({
      status: 'ok',
      ready: false,
      draining: true,
    });
    const readiness = await probe.request('/readyz');
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({
      ready: false,
      draining: true,
      checks: { database: { ok: true } },
    });
    release();
    await closing;
    servers.splice(servers.indexOf(s), 1);
  });

  it('answers /readyz 503 naming the failing check, and /healthz without touching the database', async () => {
    const s = await server();
    await s.storage.close(); // the database goes away under a running server
    const down = await fetch(`${s.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({
      ready: false,
      checks: { database: { ok: false, message: expect.stringMatching(/^the database does not answer: /) } },
    });
    const live = await fetch(`${s.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({
      status: 'ok',
      ready: false,
      database: { ok: false, checkedAt: expect.any(String) },
      engines: [{ name: 'fake', default: true, ready: true }],
    });
    s.storage.close = async () => {}; // already closed
  });

  it('bounds the shutdown when an engine never finishes its flush', async () => {
    const base = createFakeEngine();
    const hung: SpeechEngine = {
      ...base,
      name: 'fake',
      status: () => base.status(),
      close: () => base.close(),
      async createStream(options, listener) {
        const stream = await base.createStream(options, listener);
        return {
          ...stream,
          write: (pcm) => stream.write(pcm),
          close: () => stream.close(),
          flush: () => new Promise<void>(() => {}),
        };
      },
    };
    const s = await server({ SHUTDOWN_TIMEOUT_SECONDS: '1' }, [hung]);
    const socket = await client(s, 'jo');
    expect((await socket.ack<StartAck>('start', {})).ok).toBe(true);
    const began = Date.now();
    const disconnected = nextEvent<string>(socket, 'disconnect');
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    expect(Date.now() - began).toBeLessThan(4_000);
    expect(Date.now() - began).toBeGreaterThanOrEqual(900);
    expect(await disconnected).toBe('transport close');
  });
});

describe('a peer that never completes the WebSocket close', () => {
  it('does not hold the shutdown past its bound', async () => {
    const s = await server({ SHUTDOWN_TIMEOUT_SECONDS: '1' });
    // An upgraded connection whose peer then goes silent (a phone that lost the network): the server's
    // close frame is never answered, and `ws` would wait 30 s for it.
    const peer = connect({ host: '127.0.0.1', port: s.port });
    cleanups.push(async () => {
      peer.destroy();
    });
    peer.write(
      [
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
        `Host: 127.0.0.1:${s.port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    const reply = await new Promise<string>((resolve) =>
      peer.once('data', (data: Buffer) => resolve(data.toString('latin1'))),
    );
    expect(reply).toMatch(/^HTTP\/1\.1 101 /);

    const began = Date.now();
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    // 1 s of flush budget (nothing to flush) + the bounded steps after it, far below ws's 30 s.
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(peer.destroyed).toBe(false); // the peer really never closed: the bound ended the wait
  });
});

describe('start failures name the unreachable service', () => {
  it.skipIf(mysqlUnavailable !== undefined)(
    `MySQL unreachable → DATABASE_UNAVAILABLE${mysqlUnavailable ? ` — skipped: ${mysqlUnavailable}` : ''}`,
    async () => {
      await expect(
        startTestServer({ env: { DATABASE_URL: 'mysql://root:pw-not-shown@127.0.0.1:1/voice' } }),
      ).rejects.toMatchObject({
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringMatching(/cannot connect to MySQL root@127\.0\.0\.1:1\/voice/),
      });
    },
  );

  it('Redis unreachable → REDIS_UNAVAILABLE, without the password', async () => {
    const failure = startTestServer({ env: { REDIS_URL: 'redis://:pw-not-shown@127.0.0.1:1' } });
    await expect(failure).rejects.toMatchObject({
      code: 'REDIS_UNAVAILABLE',
      message: expect.stringMatching(/^cannot connect to Redis at 127\.0\.0\.1:1: /),
    });
    await expect(failure).rejects.not.toThrow(/pw-not-shown/);
  });

  it.skipIf(redisUnavailable !== undefined)(
    `with Redis: /readyz checks it${redisUnavailable ? ` — skipped: ${redisUnavailable}` : ''}`,
    async () => {
      const s = await server({ REDIS_URL: redisUrl ?? '' });
      const ready = await fetch(`${s.url}/readyz`);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { redis: { ok: true } } });
      await s.redis?.close(); // Redis gone under a running server
      const down = await fetch(`${s.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        checks: { redis: { ok: false, message: /^Redis does not answer: / } },
      });
    },
  );
});

describe.skipIf(redisUnavailable !== undefined)(
  `Redis going away under a running server${redisUnavailable ? ` — skipped: ${redisUnavailable}` : ''}`,
  () => {
    it('keeps delivering to local connections, reports it in /readyz, and is ready again once Redis is back', async () => {
      // A Redis of this test's own: stopping the run's shared one would break the other test files.
      const dir = emptyDir();
      let redis = await startRedis(dir);
      cleanups.push(() => redis.stop());
      const s = await server({ REDIS_URL: redis.url });
      const speaker = await client(s, 'max');
      const device = await client(s, 'max');

      // One utterance: its result to the speaker, `history:new` to the user's other connection.
      const utterance = async () => {
        const result = nextEvent<{ record: TranscriptRecord }>(speaker, 'result', 5_000);
        const announced = nextEvent<TranscriptRecord>(device, 'history:new', 5_000);
        expect((await speaker.ack<StartAck>('start', {})).ok).toBe(true);
        for (const chunk of chunks(concat(loud(300), quiet(400)))) speaker.emit('audio', chunk);
        const { record } = await result;
        expect(await announced).toEqual(record);
        expect(await speaker.ack('stop')).toMatchObject({ ok: true });
      };
      const readiness = async () => {
        const response = await fetch(`${s.url}/readyz`);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };

      await utterance();
      await redis.stop();
      // Every emit waits for a Redis append first; with Redis down it falls back to local delivery at once.
      await utterance();
      const down = await readiness();
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ checks: { redis: { ok: false }, database: { ok: true } } });
      // Liveness stays 200 and does no I/O, but reports what readiness last found.
      const live = await fetch(`${s.url}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toMatchObject({ status: 'ok', ready: false, redis: { ok: false } });

      // Connections dropping now (a network blip): Socket.IO tries to save each one's recovery session in
      // Redis. That fails (logged) and must not surface as an unhandled rejection (vitest fails the run on
      // one).
      const dropped = [nextEvent(speaker, 'disconnect'), nextEvent(device, 'disconnect')];
      for (const socket of s.namespace.sockets.values()) socket.conn.close();
      expect(await Promise.all(dropped)).toEqual(['transport close', 'transport close']);
      await until(() => s.namespace.sockets.size === 0, 5_000, 'the dropped connections gone');

      // Redis back on the same address: the server's client reconnects by itself, the instance is ready.
      redis = await startRedis(dir, Number(new URL(redis.url).port));
      const deadline = Date.now() + 15_000;
      let again = await readiness();
      while (again.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        again = await readiness();
      }
      expect(again.body).toMatchObject({ ready: true, checks: { redis: { ok: true } } });
    }, 30_000);
  },
);
