/**
 * Several instances, as on Cloud Hosting: separate backend processes (`src/main.ts`) on different ports,
 * one shared MySQL (the run's MariaDB) and one Redis, the real pocketsphinx engine on flite speech, and
 * clients of both kinds spread across the instances.
 *
 * - `history:new` reaches every connection of the user on every instance, and only the user's;
 * - data written through one instance is read through another; `/readyz` checks database, Redis, engine;
 * - SIGTERM mid-session (scale-in): the session is flushed and stored, the client told, its transport
 *   closed; it reconnects through the load balancer to another instance, resumes its Socket.IO session
 *   from Redis, and nothing it was told is finished is missing from the shared history.
 */
import { io, type Socket, webSocketTransport } from '@realtime-voice/shared/socketio';
import {
  type StartAck,
  type StopAck,
  type TranscriptRecord,
  VOICE_NAMESPACE,
  type VoiceError,
} from '@realtime-voice/shared/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Balancer, startBalancer } from './support/balancer';
import { connectClient, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { type Instance, startInstance, stopInstances } from './support/instances';
import {
  mysqlUnavailable,
  redisUnavailable,
  redisUrl,
  type TestMysqlDatabase,
  testMysqlDatabase,
} from './support/services';
import { concatWithSilence, streamAtRealTime, synthesizeSpeech } from './support/speech-audio';
import { tokenFor } from './support/tokens';

const unavailable = mysqlUnavailable ?? redisUnavailable;
const FIRST = 'how many miles is it to the nearest station';
const SECOND = 'what is the weather like today';

let database: TestMysqlDatabase | undefined;
let instances: Instance[] = [];
let balancer: Balancer | undefined;
const clients: TestClient[] = [];
const sockets: Socket[] = [];

async function history(instance: Instance, userId: string): Promise<TranscriptRecord[]> {
  const response = await fetch(`${instance.url}/api/history?limit=50`, {
    headers: { authorization: `Bearer ${await tokenFor(userId)}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { records: TranscriptRecord[] }).records;
}

describe.skipIf(unavailable !== undefined)(
  `several instances behind a load balancer${unavailable ? ` — skipped: ${unavailable}` : ''}`,
  () => {
    beforeAll(async () => {
      database = testMysqlDatabase();
      const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl ?? '', SHUTDOWN_TIMEOUT_SECONDS: '15' };
      // Started together on an empty database: they race to migrate it (one does, under a lock).
      instances = await Promise.all([startInstance(env), startInstance(env), startInstance(env)]);
    }, 90_000);

    afterAll(async () => {
      for (const client of clients) client.close();
      for (const socket of sockets) socket.disconnect();
      await balancer?.close();
      await stopInstances(instances);
      await database?.drop();
    }, 60_000);

    it('reports each instance ready: database, Redis and engine checked', async () => {
      for (const instance of instances) {
        const response = await fetch(`${instance.url}/readyz`);
        const body = (await response.json()) as Record<string, unknown>;
        expect(response.status, JSON.stringify(body)).toBe(200);
        expect(body).toMatchObject({
          ready: true,
          draining: false,
          checks: { database: { ok: true }, redis: { ok: true }, engine: { name: 'pocketsphinx', ok: true } },
        });
      }
    });

    it("delivers history:new to the user's connections on every instance, and to no one else", async () => {
      const [a, b, c] = instances as [Instance, Instance, Instance];
      const token = await tokenFor('ivy');
      const speaker = await connectClient('ours', a.url, { auth: { token } });
      const onB = await connectClient('official', b.url, { auth: { token } });
      const onC = await connectClient('ours', c.url, { auth: { token } });
      const stranger = await connectClient('ours', c.url, { auth: { token: await tokenFor('jack') } });
      clients.push(speaker, onB, onC, stranger);
      const strangerGot: unknown[] = [];
      stranger.on('history:new', (record: unknown) => strangerGot.push(record));

      const speech = await synthesizeSpeech(FIRST);
      const audio = concatWithSilence([speech.pcm], { leadMs: 300, tailMs: 900 });
      const announcedOnB = nextEvent<TranscriptRecord>(onB, 'history:new', 30_000);
      const announcedOnC = nextEvent<TranscriptRecord>(onC, 'history:new', 30_000);
      const announcedOnA = nextEvent<TranscriptRecord>(speaker, 'history:new', 30_000);
      const result = nextEvent<{ record: TranscriptRecord }>(speaker, 'result', 30_000);
      expect((await speaker.ack<StartAck>('start', {})).ok).toBe(true);
      await streamAtRealTime(audio.pcm, 100, (chunk) => speaker.emit('audio', chunk));
      const { record } = await result;
      expect(record.text).toMatch(/miles|station/);
      expect(await announcedOnA).toEqual(record);
      expect(await announcedOnB).toEqual(record);
      expect(await announcedOnC).toEqual(record);
      // jack shares instance C with one of ivy's clients, which has its copy by now.
      expect(strangerGot).toEqual([]);
      const stop = await speaker.ack<StopAck>('stop');
      expect(stop.ok).toBe(true);

      // Stored once, in the shared database: read through another instance.
      expect((await history(c, 'ivy')).map((r) => r.id)).toEqual([record.id]);
      expect(await history(b, 'jack')).toEqual([]);
    });

    it('SIGTERM mid-session: the session is stored, the client resumes on another instance, nothing finished is lost', async () => {
      const [a, b] = instances as [Instance, Instance, Instance];
      balancer = await startBalancer([a.port, b.port]);
      const token = await tokenFor('kim');
      // A second device of the same user, on the instance that stays.
      const device = await connectClient('ours', b.url, { auth: { token } });
      clients.push(device);
      const announced: TranscriptRecord[] = [];
      device.on('history:new', (record: TranscriptRecord) => announced.push(record));

      const socket: Socket = io(`${balancer.url}${VOICE_NAMESPACE}`, {
        transport: webSocketTransport(WebSocket),
        forceNew: true,
        auth: { token },
        reconnectionDelay: 100,
        reconnectionDelayMax: 500,
        randomizationFactor: 0,
      });
      sockets.push(socket);
      await nextEvent(socket, 'connect', 15_000);
      expect(balancer.routed).toEqual([a.port]);

      const results: TranscriptRecord[] = [];
      const errors: (VoiceError & { sessionId?: string })[] = [];
      const order: string[] = [];
      socket.on('result', ({ record }: { record: TranscriptRecord }) => {
        results.push(record);
        order.push('result');
      });
      socket.on('session-error', (error: VoiceError & { sessionId?: string }) => {
        errors.push(error);
        order.push(`session-error:${error.code}`);
      });
      const disconnected = new Promise<string>((resolve) =>
        socket.once('disconnect', (reason: string) => {
          order.push('disconnect');
          resolve(reason);
        }),
      );

      // Listen for the reconnection from the moment the connection drops: it may be quick.
      const reconnected = disconnected.then(() => nextEvent(socket, 'connect', 20_000));

      const [one, two] = await Promise.all([synthesizeSpeech(FIRST), synthesizeSpeech(SECOND)]);
      const audio = concatWithSilence([one.pcm, two.pcm], { leadMs: 300, gapMs: 1500, tailMs: 0 });
      const second = audio.segments[1]!;
      const started = (await socket.timeout(15_000).emitWithAck('start', {})) as StartAck;
      expect(started.ok).toBe(true);
      const sessionId = started.ok ? started.sessionId : '';

      // Stream at real time; once the first sentence's result is in and the second sentence has been
      // going for half a second, the platform scales instance A in.
      const streaming = new AbortController();
      let resultsBeforeKill = -1;
      let killedAtMs = Number.NaN;
      let terminated: Promise<number | null> | undefined;
      void disconnected.then(() => streaming.abort());
      await streamAtRealTime(
        audio.pcm,
        100,
        (chunk, index) => {
          if (terminated === undefined && results.length >= 1 && index * 100 >= second.speechStartMs + 500) {
            resultsBeforeKill = results.length;
            killedAtMs = index * 100;
            terminated = a.terminate();
          }
          if (socket.connected) socket.emit('audio', chunk);
        },
        { signal: streaming.signal },
      );
      expect(terminated, 'no result for the first sentence before the audio ended').toBeDefined();
      expect(resultsBeforeKill).toBeGreaterThanOrEqual(1);

      // Told why, after the flushed results, then the transport closed (so the client reconnects).
      expect(await disconnected).toBe('transport close');
      expect(errors).toContainEqual(expect.objectContaining({ code: 'SERVER_RESTARTING', sessionId }));
      expect(order.at(-2)).toBe('session-error:SERVER_RESTARTING');
      expect(order.slice(0, -2).every((event) => event === 'result')).toBe(true);
      if (killedAtMs < second.speechEndMs - 300) {
        // Cut mid-sentence (as planned unless the machine is very slow): that utterance was flushed into a
        // result rather than dropped (pocketsphinx gives e.g. "what is to").
        expect(results.length, 'the utterance cut by the shutdown was flushed').toBeGreaterThan(
          resultsBeforeKill,
        );
      }
      expect(await terminated).toBe(0);
      expect(a.logs.map((line) => line.event)).toEqual(
        expect.arrayContaining(['server.stopping', 'server.draining', 'server.closed']),
      );

      // Back through the balancer: A no longer listens, so B; the Socket.IO session resumes from Redis.
      await reconnected;
      expect(balancer.routed.at(-1)).toBe(b.port);
      expect(socket.recovered).toBe(true);

      // Every result the client was given is in the shared history (read through B), and nothing else;
      // the other device heard of each of them through Redis.
      const stored = await history(b, 'kim');
      expect(stored.map((r) => r.id).sort()).toEqual(results.map((r) => r.id).sort());
      expect(stored.every((r) => r.sessionId === sessionId)).toBe(true);
      await until(() => announced.length >= results.length, 10_000, 'history:new on the other device');
      expect(announced.map((r) => r.id).sort()).toEqual(results.map((r) => r.id).sort());

      // And the client carries on at B.
      const again = (await socket.timeout(15_000).emitWithAck('start', {})) as StartAck;
      expect(again).toMatchObject({ ok: true });
      const stopped = (await socket.timeout(15_000).emitWithAck('stop')) as StopAck;
      expect(stopped).toMatchObject({ ok: true, records: [] });
      instances = instances.filter((instance) => instance !== a);
    }, 60_000);
  },
);

describe('an instance that cannot reach its shared services', () => {
  it('exits 1 at start with one line naming the code (what the deployment guide says to look for)', async () => {
    const failed = startInstance({ DATABASE_URL: 'mysql://root:pw-not-shown@127.0.0.1:1/voice' });
    await expect(failed).rejects.toThrow(
      /instance exited \(1\) before listening:[\s\S]*realtime-voice: failed to start \(DATABASE_UNAVAILABLE\): cannot connect to MySQL root@127\.0\.0\.1:1\/voice/,
    );
    await expect(failed).rejects.not.toThrow(/pw-not-shown/);
  });
});
