/**
 * The `/realtime-voice` namespace over real Socket.IO on loopback, with a deterministic fake engine (the
 * real engine has its own suite): auth, the session flow, storing before announcing, fan-out to a user's
 * connections, limits, bad input on every event, oversized frames, and vanished clients. Every scenario
 * runs with the official socket.io-client and with ours.
 */
import type { StartAck, StopAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server';
import { type ClientKind, connectClient, refusal, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { chunks, concat, createFakeEngine, loud, quiet } from './support/fake-engine';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

type SessionError = VoiceError & { sessionId?: string };

const running: RunningServer[] = [];
const clients: TestClient[] = [];

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<RunningServer> {
  const started = await startTestServer(options);
  running.push(started);
  return started;
}

async function client(kind: ClientKind, target: RunningServer, userId = 'alice'): Promise<TestClient> {
  const connected = await connectClient(kind, target.url, { auth: { token: await tokenFor(userId) } });
  clients.push(connected);
  return connected;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** Two utterances for the fake engine: 500 ms loud, 400 ms quiet, twice. */
const TWO_UTTERANCES = concat(loud(500), quiet(400), loud(500), quiet(400));

function collect<T>(socket: TestClient, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (value: unknown) => seen.push(value as T));
  return seen;
}

describe.each<ClientKind>(['official', 'ours'])('voice namespace with the %s client', (kind) => {
  describe('authentication', () => {
    it('accepts a valid token and refuses a missing, expired, or badly signed one', async () => {
      const s = await server();
      const ok = await client(kind, s, 'alice');
      expect(ok.connected).toBe(true);

      const missing = await refusal(kind, s.url);
      expect(missing).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(missing.message).toMatch(/no identity/);

      const expired = await refusal(kind, s.url, {
        auth: { token: await tokenFor('alice', { expiresInSeconds: -60 }) },
      });
      expect(expired).toMatchObject({ code: 'TOKEN_EXPIRED' });
      expect(expired.message).toMatch(/expired/);

      const forged = await refusal(kind, s.url, {
        auth: {
          token: await tokenFor('alice', { secret: 'another-secret-of-sufficient-length-0123456789' }),
        },
      });
      expect(forged).toMatchObject({ code: 'TOKEN_INVALID' });
      expect(forged.message).toMatch(/bad signature/);

      // Node clients may send the token as an Authorization header on the upgrade request instead.
      const viaHeader = await connectClient(kind, s.url, {
        headers: { authorization: `Bearer ${await tokenFor('alice')}` },
      });
      clients.push(viaHeader);
      expect(viaHeader.connected).toBe(true);

      const garbage = await refusal(kind, s.url, { auth: { token: 'not.a.token' } });
      expect(garbage.code).toBe('TOKEN_INVALID');
      const wrongType = await refusal(kind, s.url, { auth: { token: 42 } });
      expect(wrongType.code).toBe('TOKEN_INVALID');
    });

    it('ignores x-wx-openid unless trusted, and trusts it when configured', async () => {
      const untrusted = await server();
      const refused = await refusal(kind, untrusted.url, { headers: { 'x-wx-openid': 'o-forged' } });
      expect(refused.code).toBe('UNAUTHENTICATED');

      const trusted = await server({ env: { AUTH_TRUST_WX_HEADERS: 'true' } });
      const wx = await connectClient(kind, trusted.url, { headers: { 'x-wx-openid': 'o-real' } });
      clients.push(wx);
      const results = collect<{ record: TranscriptRecord }>(wx, 'result');
      await wx.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400)))) wx.emit('audio', chunk);
      await wx.ack<StopAck>('stop');
      expect(results.map((r) => r.record.userId)).toEqual(['wx:o-real']);

      const reuse = await connectClient(kind, trusted.url, { headers: { 'x-wx-from-openid': 'o-shared' } });
      clients.push(reuse);
      expect(reuse.connected).toBe(true);
    });

    it('lets anonymous users in only when allowed', async () => {
      const closed = await server({ env: { AUTH_ALLOW_ANONYMOUS: 'false' } });
      expect((await refusal(kind, closed.url)).code).toBe('UNAUTHENTICATED');
      const open = await server({ env: { AUTH_ALLOW_ANONYMOUS: 'true' } });
      const anonymous = await connectClient(kind, open.url);
      clients.push(anonymous);
      expect(anonymous.connected).toBe(true);
      // A bad token is refused even when anonymous use is allowed: it is never silently downgraded.
      expect((await refusal(kind, open.url, { auth: { token: 'bad' } })).code).toBe('TOKEN_INVALID');
      // So is a malformed Authorization header on the upgrade request (as over HTTP).
      const basic = await refusal(kind, open.url, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.code).toBe('TOKEN_INVALID');
    });
  });

  describe('a session', () => {
    it('streams partials and finals, stores each result before announcing it, and acks them on stop', async () => {
      const s = await server();
      const socket = await client(kind, s);
      const partials = collect<{ sessionId: string; text: string }>(socket, 'partial');
      const storedWhenAnnounced: boolean[] = [];
      const results: TranscriptRecord[] = [];
      const order: string[] = [];
      socket.on('partial', () => order.push('partial'));
      socket.on('result', (payload: unknown) => {
        const { record } = payload as { record: TranscriptRecord };
        order.push('result');
        results.push(record);
        // Checked inside the handler: by the time the client hears of it, it is in the database.
        void s.repository
          .get(record.userId, record.id)
          .then((found) => storedWhenAnnounced.push(found !== undefined));
      });

      const started = await socket.ack<StartAck>('start', { sampleRate: 16000, language: 'en-US' });
      expect(started.ok).toBe(true);
      const sessionId = started.ok ? started.sessionId : '';
      for (const chunk of chunks(TWO_UTTERANCES)) socket.emit('audio', chunk);
      const stopped = await socket.ack<StopAck>('stop');

      expect(stopped.ok).toBe(true);
      const records = stopped.ok ? stopped.records : [];
      expect(records.map((r) => r.text)).toEqual(['utterance 1', 'utterance 2']);
      await until(() => storedWhenAnnounced.length === 2, 5_000, 'both result checks');
      expect(storedWhenAnnounced).toEqual([true, true]);
      expect(results.map((r) => r.id)).toEqual(records.map((r) => r.id));
      expect(partials.length).toBeGreaterThan(0);
      expect(partials.every((p) => p.sessionId === sessionId)).toBe(true);
      expect(order.indexOf('partial')).toBeLessThan(order.indexOf('result'));
      for (const record of records) {
        expect(record).toMatchObject({ userId: 'alice', sessionId, language: 'en-US', engine: 'fake' });
        expect(record.audioMs).toBeGreaterThanOrEqual(400);
        expect(record.latencyMs).toBeGreaterThanOrEqual(0);
        expect(Date.parse(record.createdAt)).not.toBeNaN();
      }
      expect(s.sessions.activeCount).toBe(0);
    });

    it('sends history:new to every connection of the same user and to no one else', async () => {
      const s = await server();
      const speaker = await client(kind, s, 'alice');
      const sameUser = await client(kind, s, 'alice');
      const otherUser = await client(kind, s, 'bob');
      const seenByOther = collect<TranscriptRecord>(otherUser, 'history:new');
      const seenBySpeaker = collect<TranscriptRecord>(speaker, 'history:new');
      const arrived = nextEvent<TranscriptRecord>(sameUser, 'history:new');

      await speaker.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400)))) speaker.emit('audio', chunk);
      const record = await arrived;
      const stopped = await speaker.ack<StopAck>('stop');

      expect(record.text).toBe('utterance 1');
      expect(stopped.ok && stopped.records[0]?.id).toBe(record.id);
      expect(seenBySpeaker.map((r) => r.id)).toEqual([record.id]);
      // bob's connection is still alive and listening: a round trip proves nothing was in flight for him.
      expect(await otherUser.ack<StopAck>('stop')).toMatchObject({
        ok: false,
        error: { code: 'NO_SESSION' },
      });
      expect(seenByOther).toEqual([]);
    });

    it('runs one session at a time per connection and another after stop', async () => {
      const s = await server();
      const socket = await client(kind, s);
      const first = await socket.ack<StartAck>('start', {});
      expect(first.ok).toBe(true);
      expect(await socket.ack<StartAck>('start', {})).toMatchObject({
        ok: false,
        error: { code: 'SESSION_ACTIVE' },
      });
      expect((await socket.ack<StopAck>('stop')).ok).toBe(true);
      const second = await socket.ack<StartAck>('start', {});
      expect(second.ok && first.ok && second.sessionId !== first.sessionId).toBe(true);
      expect((await socket.ack<StopAck>('stop')).ok).toBe(true);
    });
  });

  describe('bad input', () => {
    it('reports audio before start and after stop as NO_SESSION without crashing', async () => {
      const s = await server();
      const socket = await client(kind, s);
      const errors = collect<SessionError>(socket, 'session-error');
      const early = nextEvent<SessionError>(socket, 'session-error');
      socket.emit('audio', loud(100));
      expect(await early).toMatchObject({ code: 'NO_SESSION' });

      await socket.ack<StartAck>('start', {});
      await socket.ack<StopAck>('stop');
      const late = nextEvent<SessionError>(socket, 'session-error');
      socket.emit('audio', loud(100));
      socket.emit('audio', loud(100));
      expect(await late).toMatchObject({ code: 'NO_SESSION' });
      // Once per idle period: a client still streaming is not flooded.
      expect(await socket.ack<StopAck>('stop')).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
      expect(errors.map((e) => e.code)).toEqual(['NO_SESSION', 'NO_SESSION']);
    });

    it('rejects bad start options with a code in the ack', async () => {
      const s = await server();
      const socket = await client(kind, s);
      const cases: [unknown, string][] = [
        ['fast please', 'BAD_REQUEST'],
        [[1, 2], 'BAD_REQUEST'],
        [{ sampleRate: 'high' }, 'BAD_REQUEST'],
        [{ sampleRate: 8000 }, 'UNSUPPORTED_SAMPLE_RATE'],
        [{ language: 42 }, 'BAD_REQUEST'],
        [{ language: 'fr-FR' }, 'UNSUPPORTED_LANGUAGE'],
        [{ engine: 'whisper' }, 'UNKNOWN_ENGINE'],
        [{ engine: '../../etc' }, 'BAD_REQUEST'],
      ];
      for (const [options, code] of cases) {
        const ack = await socket.ack<StartAck>('start', options);
        expect(ack, JSON.stringify(options)).toMatchObject({ ok: false, error: { code } });
        expect(ack.ok === false && ack.error.message.length > 0).toBe(true);
      }
      // Nothing above started a session; a valid start still works, with null or no options at all.
      expect((await socket.ack<StartAck>('start', null)).ok).toBe(true);
      expect((await socket.ack<StopAck>('stop')).ok).toBe(true);
      expect((await socket.ack<StartAck>('start')).ok).toBe(true);
      expect((await socket.ack<StopAck>('stop', 'extra')).ok).toBe(true);
    });

    it('reports non-binary audio, missing acks and unknown events, and survives garbage binary', async () => {
      const s = await server();
      const socket = await client(kind, s);
      const errors = collect<SessionError>(socket, 'session-error');
      await socket.ack<StartAck>('start', {});
      socket.emit('audio', 'hello');
      socket.emit('audio', { bytes: [1, 2, 3] });
      socket.emit('audio', 42);
      socket.emit('audio');
      socket.emit('start', {}); // no ack callback
      socket.emit('transcribe-everything', 1);
      const garbage = new Uint8Array(4001);
      for (let i = 0; i < garbage.length; i += 1) garbage[i] = (i * 7919) % 256;
      socket.emit('audio', garbage);
      socket.emit('audio', new Float32Array(10)); // binary, just not what was meant: accepted as bytes
      socket.emit('audio', new ArrayBuffer(0));
      const stopped = await socket.ack<StopAck>('stop');
      expect(stopped.ok).toBe(true);
      await until(() => errors.length >= 6, 5_000, 'six session errors');
      expect(errors.map((e) => e.code)).toEqual([
        'BAD_AUDIO',
        'BAD_AUDIO',
        'BAD_AUDIO',
        'BAD_AUDIO',
        'BAD_REQUEST',
        'UNKNOWN_EVENT',
      ]);
      expect(socket.connected).toBe(true);
    });

    it('handles a frame over maxHttpBufferSize: the server drops the connection, ours refuses to send it', async () => {
      const s = await server({ env: { SOCKET_MAX_FRAME_BYTES: '20000' } });
      const socket = await client(kind, s);
      await socket.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400)))) socket.emit('audio', chunk);
      // Wait for the stored result so what follows happens after it.
      await nextEvent(socket, 'result');
      if (kind === 'official') {
        // The official client sends anything; the server closes the connection (1009) and cleans up.
        const dropped = nextEvent<string>(socket, 'disconnect');
        socket.emit('audio', loud(1000)); // 32 000 bytes
        expect(await dropped).toMatch(/close|error/);
        await until(() => s.sessions.activeCount === 0, 5_000, 'session cleanup');
      } else {
        // Ours knows the server's maxPayload from the handshake and refuses before sending.
        const refused = nextEvent<{ code: string }>(socket, 'emit_error');
        socket.emit('audio', loud(1000));
        expect(await refused).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
        expect(socket.connected).toBe(true);
        expect((await socket.ack<StopAck>('stop')).ok).toBe(true);
      }
      const page = await s.repository.list('alice', { limit: 10 });
      expect(page.records.map((r) => r.text)).toEqual(['utterance 1']);
      // The server is fine: a new connection works.
      const again = await client(kind, s);
      expect((await again.ack<StartAck>('start', {})).ok).toBe(true);
    });
  });

  describe('limits', () => {
    it('ends a session over its byte budget, keeps what it recognised, and returns it on stop', async () => {
      const s = await server({ env: { SESSION_MAX_BYTES: String(32 * 1500) } });
      const socket = await client(kind, s);
      const limit = nextEvent<SessionError>(socket, 'session-error');
      const started = await socket.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400), loud(1000), quiet(400))))
        socket.emit('audio', chunk);
      const error = await limit;
      expect(error).toMatchObject({ code: 'LIMIT_BYTES', sessionId: started.ok ? started.sessionId : '' });
      expect(error.message).toMatch(/limit/);
      const stopped = await socket.ack<StopAck>('stop');
      expect(stopped.ok && stopped.records.map((r) => r.text)).toEqual(['utterance 1', 'utterance 2']);
      expect(await socket.ack<StopAck>('stop')).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
    });

    it('ends a session that runs longer than its duration limit', async () => {
      const s = await server({ env: { SESSION_MAX_SECONDS: '1' } });
      const socket = await client(kind, s);
      const limit = nextEvent<SessionError>(socket, 'session-error', 5_000);
      await socket.ack<StartAck>('start', {});
      socket.emit('audio', loud(200));
      expect(await limit).toMatchObject({ code: 'LIMIT_DURATION' });
      const stopped = await socket.ack<StopAck>('stop');
      expect(stopped.ok && stopped.records.length).toBe(1);
      expect(s.sessions.activeCount).toBe(0);
    });
  });

  describe('failures', () => {
    it('names what to install when the engine is unavailable', async () => {
      const s = await server({
        engines: [
          createFakeEngine({
            unavailable: 'install it: apt-get install libpocketsphinx3 pocketsphinx-en-us',
          }),
        ],
      });
      const socket = await client(kind, s);
      const ack = await socket.ack<StartAck>('start', {});
      expect(ack).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
      expect(ack.ok === false && ack.error.message).toMatch(/apt-get install libpocketsphinx3/);
    });

    it('reports an engine failure mid-session and keeps what was stored', async () => {
      const s = await server({ engines: [createFakeEngine({ failAfterBytes: 32 * 1200 })] });
      const socket = await client(kind, s);
      const failure = nextEvent<SessionError>(socket, 'session-error');
      await socket.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400), loud(1000)))) socket.emit('audio', chunk);
      expect(await failure).toMatchObject({ code: 'ENGINE_FAILED' });
      const stopped = await socket.ack<StopAck>('stop');
      expect(stopped.ok && stopped.records.map((r) => r.text)).toEqual(['utterance 1']);
    });

    it('stores the utterances of a client that vanishes mid-session and releases its stream', async () => {
      const engine = createFakeEngine();
      const s = await server({ engines: [engine] });
      const speaker = await client(kind, s, 'carol');
      const watcher = await client(kind, s, 'carol');
      const announced = collect<TranscriptRecord>(watcher, 'history:new');
      await speaker.ack<StartAck>('start', {});
      for (const chunk of chunks(concat(loud(300), quiet(400), loud(400)))) speaker.emit('audio', chunk);
      await nextEvent(speaker, 'result');
      // The second utterance is still open (no trailing silence) when the client disappears.
      await until(() => s.sessions.activeCount === 1, 5_000, 'active session');
      speaker.close();
      await until(() => announced.length === 2, 5_000, 'both utterances announced');
      const stored = await s.repository.list('carol', { limit: 10 });
      expect(stored.records.map((r) => r.text).sort()).toEqual(['utterance 1', 'utterance 2']);
      await until(() => s.sessions.activeCount === 0 && engine.openStreams === 0, 5_000, 'stream released');
    });
  });
});
