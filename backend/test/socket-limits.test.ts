/**
 * @module socket-limits.test — issue 12 §1 and §3 through the real server (Socket.IO on loopback, SQLite):
 * the main namespace `/` is refused and its connection closed at the connect timeout; notices about invalid
 * input are not kept for connection state recovery; a socket sending invalid events is disconnected after
 * `SOCKET_MAX_INVALID_EVENTS`; events and audio are rate-bounded; a socket is disconnected at its token's
 * `exp` (`TOKEN_EXPIRED`), also when it would be restored by recovery; an empty `auth.token` does not hide
 * a malformed `Authorization` header.
 */
import { io, webSocketTransport } from '@realtime-voice/shared/socketio';
import type { StartAck, StopAck, TranscriptRecord, VoiceError } from '@realtime-voice/shared/voice';
import { VOICE_NAMESPACE } from '@realtime-voice/shared/voice';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeWav } from '../src/audio/wav';
import type { RunningServer } from '../src/server';
import { connectClient, refusal, type TestClient } from './support/clients';
import { nextEvent, until } from './support/events';
import { chunks, concat, loud, quiet } from './support/fake-engine';
import { startTestServer } from './support/server';
import { tokenFor } from './support/tokens';

type SessionError = VoiceError & { sessionId?: string };

const running: RunningServer[] = [];
const clients: TestClient[] = [];
const cleanups: (() => void)[] = [];

async function server(options: Parameters<typeof startTestServer>[0] = {}): Promise<RunningServer> {
  const started = await startTestServer(options);
  running.push(started);
  return started;
}

async function client(
  target: RunningServer,
  userId = 'olga',
  expiresInSeconds?: number,
): Promise<TestClient> {
  const token = await tokenFor(userId, expiresInSeconds === undefined ? {} : { expiresInSeconds });
  const connected = await connectClient('official', target.url, { auth: { token } });
  clients.push(connected);
  return connected;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function collect<T>(socket: { on(event: string, listener: (value: T) => void): void }, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (value: T) => seen.push(value));
  return seen;
}

/** A raw Engine.IO WebSocket to the server: every text frame it receives, and when it closed. */
function rawConnection(target: RunningServer) {
  const ws = new WebSocket(`${target.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  cleanups.push(() => ws.terminate());
  const frames: string[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', () => resolve(performance.now())));
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const text = data.toString();
    if (text === '2') ws.send('3');
    frames.push(text);
  });
  const opened = new Promise<void>((resolve) => ws.on('open', () => resolve()));
  return { ws, frames, closed, opened };
}

describe('the main namespace /', () => {
  it('is refused with NAMESPACE_REFUSED, also for a client with a valid token', async () => {
    const s = await server();
    expect(
      await refusal('official', s.url, { namespace: '/', auth: { token: await tokenFor('olga') } }),
    ).toEqual({
      message: expect.stringMatching(/\/realtime-voice namespace only/),
      code: 'NAMESPACE_REFUSED',
    });
  });

  it('a raw connection that joins no namespace is closed at SOCKET_CONNECT_TIMEOUT_SECONDS', async () => {
    const s = await server({ env: { SOCKET_CONNECT_TIMEOUT_SECONDS: '1' } });
    const raw = rawConnection(s);
    await raw.opened;
    const opened = performance.now();
    raw.ws.send('40');
    const closedAt = await Promise.race([
      raw.closed,
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 5_000)),
    ]);
    expect(raw.frames.find((frame) => frame.startsWith('44'))).toMatch(/NAMESPACE_REFUSED/);
    expect(closedAt - opened).toBeLessThan(3_000);
  });
});

describe('invalid input', () => {
  it('notices about invalid events are not kept for connection state recovery', async () => {
    const s = await server();
    const token = await tokenFor('pia');
    const raw = rawConnection(s);
    await raw.opened;
    raw.ws.send(`40${VOICE_NAMESPACE},${JSON.stringify({ token })}`);
    await until(() => raw.frames.some((f) => f.startsWith(`40${VOICE_NAMESPACE},`)), 5_000, 'CONNECT');
    // Recovery on: the server appends a recovery offset to every event it keeps for the window.
    await fetch(`${s.url}/api/recognize`, {
      method: 'POST',
      body: encodeWav(concat(loud(300), quiet(400))),
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${token}` },
    });
    for (let i = 0; i < 5; i += 1) raw.ws.send(`42${VOICE_NAMESPACE},["nonsense-${i}"]`);
    raw.ws.send(`42${VOICE_NAMESPACE},["audio","not binary"]`);
    raw.ws.send(`42${VOICE_NAMESPACE},["stop"]`);
    const events = () =>
      raw.frames
        .filter((f) => f.startsWith(`42${VOICE_NAMESPACE},`))
        .map((f) => JSON.parse(f.slice(`42${VOICE_NAMESPACE},`.length)) as unknown[]);
    await until(() => events().filter((e) => e[0] === 'session-error').length === 7, 5_000, 'seven notices');
    const kept = events().filter((e) => e[0] === 'history:new');
    expect(kept).toHaveLength(1);
    expect(kept[0]).toHaveLength(3); // [event, record, offset]: kept for recovery
    const notices = events().filter((e) => e[0] === 'session-error');
    expect(notices.map((e) => (e[1] as VoiceError).code)).toEqual([
      ...Array(5).fill('UNKNOWN_EVENT'),
      'BAD_AUDIO',
      'NO_SESSION',
    ]);
    for (const notice of notices) expect(notice).toHaveLength(2); // no offset: not kept
  });

  it('a socket that keeps sending invalid events is disconnected with TOO_MANY_INVALID_EVENTS', async () => {
    const s = await server({ env: { SOCKET_MAX_INVALID_EVENTS: '5' } });
    const socket = await client(s);
    const errors = collect<SessionError>(socket, 'session-error');
    const gone = nextEvent<string>(socket, 'disconnect');
    // A stop with no session is invalid too (answered in its ack).
    expect(await socket.ack('stop')).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
    socket.emit('audio', 'not binary');
    socket.emit('start', {}); // no ack
    socket.emit('whatever');
    socket.emit('whatever'); // the fifth
    socket.emit('whatever'); // never handled: the socket is gone
    expect(await gone).toBe('io server disconnect');
    expect(errors).toEqual([
      expect.objectContaining({ code: 'BAD_AUDIO' }),
      expect.objectContaining({ code: 'BAD_REQUEST' }),
      expect.objectContaining({ code: 'UNKNOWN_EVENT' }),
      expect.objectContaining({ code: 'UNKNOWN_EVENT' }),
      { code: 'TOO_MANY_INVALID_EVENTS', message: expect.stringMatching(/limit per connection is 5/) },
    ]);
    await until(() => s.namespace.sockets.size === 0, 5_000, 'the socket to be gone');
  });
});

describe('rates per socket', () => {
  it('refuses events beyond SOCKET_MAX_EVENTS_PER_SECOND (a 5 s burst allowed) with RATE_LIMITED', async () => {
    const s = await server({ env: { SOCKET_MAX_EVENTS_PER_SECOND: '2', SOCKET_MAX_INVALID_EVENTS: '100' } });
    const socket = await client(s);
    const answers = await Promise.all(
      Array.from({ length: 14 }, () =>
        socket.ack<{ ok: boolean; error?: VoiceError }>('audio', new Uint8Array(2)),
      ),
    );
    const codes = answers.map((a) => a.error?.code);
    // The burst (10 events) is answered as usual (no session), the rest is refused.
    expect(codes.slice(0, 10)).toEqual(Array(10).fill('NO_SESSION'));
    expect(codes.slice(10)).toEqual(Array(4).fill('RATE_LIMITED'));
    expect(answers[13]?.error?.message).toMatch(/more than 2 events per second/);
  });

  it('ends a session whose audio outruns SOCKET_AUDIO_REALTIME_FACTOR × real time with LIMIT_RATE, keeping what came before', async () => {
    const s = await server({
      env: { SOCKET_AUDIO_REALTIME_FACTOR: '1', SOCKET_AUDIO_BURST_SECONDS: '1' },
    });
    const socket = await client(s);
    expect((await socket.ack<StartAck>('start', {})).ok).toBe(true);
    const limited = nextEvent<SessionError>(socket, 'session-error');
    // 0.7 s fits the 1 s burst; then 3 s more at once is three times real time.
    for (const chunk of chunks(concat(loud(300), quiet(400), loud(3000)))) socket.emit('audio', chunk);
    expect(await limited).toMatchObject({ code: 'LIMIT_RATE', message: expect.stringMatching(/bytes\/s/) });
    const stopped = await socket.ack<StopAck>('stop');
    expect(stopped.ok && stopped.records[0]?.text).toBe('utterance 1');
  });
});

describe('identity over time', () => {
  it("disconnects a socket at its token's exp with TOKEN_EXPIRED; it gets no history:new after", async () => {
    const s = await server();
    const socket = await client(s, 'quinn', 2);
    const longLived = await client(s, 'quinn');
    const records = collect<TranscriptRecord>(socket, 'history:new');
    const notice = nextEvent<SessionError>(socket, 'session-error', 8_000);
    const gone = nextEvent<string>(socket, 'disconnect', 8_000);
    expect(await notice).toMatchObject({ code: 'TOKEN_EXPIRED', message: expect.stringMatching(/new one/) });
    expect(await gone).toBe('io server disconnect');
    const announced = nextEvent<TranscriptRecord>(longLived, 'history:new');
    await fetch(`${s.url}/api/recognize`, {
      method: 'POST',
      body: encodeWav(concat(loud(300), quiet(400))),
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${await tokenFor('quinn')}` },
    });
    await announced;
    expect(records).toEqual([]);
  });

  it('keeps a socket whose token expires beyond the longest timer (30 days)', async () => {
    const s = await server();
    const socket = await client(s, 'sam', 30 * 86_400);
    const errors = collect<SessionError>(socket, 'session-error');
    expect((await socket.ack<StartAck>('start', {})).ok).toBe(true);
    expect((await socket.ack<StopAck>('stop')).ok).toBe(true);
    expect((await socket.ack<StartAck>('start', {})).ok).toBe(true);
    expect(socket.connected).toBe(true);
    expect(errors).toEqual([]);
  });

  it('does not restore by recovery a socket whose token expired while it was away', async () => {
    const s = await server();
    const token = await tokenFor('rosa', { expiresInSeconds: 2 });
    const socket = io(`${s.url}${VOICE_NAMESPACE}`, {
      transport: webSocketTransport(WebSocket),
      forceNew: true,
      auth: { token },
      // Comes back after the token's exp.
      reconnectionDelay: 3_000,
      reconnectionDelayMax: 3_000,
      randomizationFactor: 0,
    });
    cleanups.push(() => socket.disconnect());
    await nextEvent(socket, 'connect');
    const stored = nextEvent<TranscriptRecord>(socket, 'history:new');
    await fetch(`${s.url}/api/recognize`, {
      method: 'POST',
      body: encodeWav(concat(loud(300), quiet(400))),
      headers: { 'content-type': 'audio/wav', authorization: `Bearer ${await tokenFor('rosa')}` },
    });
    await stored;
    const serverSocket = [...s.namespace.sockets.values()].find((x) => x.data.identity.userId === 'rosa');
    serverSocket?.conn.close();
    const refused = await nextEvent<Error & { data?: { code?: string } }>(socket, 'connect_error', 10_000);
    expect(refused.data?.code).toBe('TOKEN_EXPIRED');
    expect(socket.recovered).toBe(false);
  });

  it('refuses an empty auth.token with a malformed Authorization header (TOKEN_INVALID), even with anonymous use on', async () => {
    const s = await server({ env: { AUTH_ALLOW_ANONYMOUS: 'true' } });
    expect(
      await refusal('official', s.url, {
        auth: { token: '' },
        headers: { authorization: 'Basic dXNlcjpwYXNz' },
      }),
    ).toMatchObject({ code: 'TOKEN_INVALID' });
    // Without the header an empty token is no credential at all: anonymous, as allowed.
    const anonymous = await connectClient('official', s.url, { auth: { token: '' } });
    clients.push(anonymous);
    expect(anonymous.connected).toBe(true);
  });
});
