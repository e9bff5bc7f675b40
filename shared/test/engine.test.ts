/**
 * Engine.IO v4 over WebSocket against the official server: handshake, request path, pings, heartbeat
 * watchdog, connection timeout, transport availability.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { type ClientError, io, type Manager, webSocketTransport } from '../src/socketio/index';
import {
  asClientError,
  client,
  closeClients,
  once,
  openPacket,
  type RawServer,
  startRawServer,
  startServer,
  type TestServer,
  waitFor,
} from './support/server';

let server: TestServer | undefined;
let raw: RawServer | undefined;
const managers: Manager[] = [];
afterEach(async () => {
  closeClients();
  for (const m of managers.splice(0)) m.close();
  await server?.close();
  await raw?.close();
  server = undefined;
  raw = undefined;
});

describe('engine', () => {
  it('handshakes with EIO=4&transport=websocket and keeps custom query parameters', async () => {
    server = await startServer();
    const seen = once<
      [{ handshake: { query: Record<string, string>; auth: unknown }; conn: { request: { url?: string } } }]
    >(server.io, 'connection');
    const socket = client(`${server.url}/?fromUri=1`, { query: { token: 'a b', n: 3 } });
    const [serverSocket] = await seen;
    await once(socket, 'connect');
    expect(serverSocket.handshake.query).toMatchObject({
      EIO: '4',
      transport: 'websocket',
      fromUri: '1',
      token: 'a b',
      n: '3',
    });
    expect(serverSocket.conn.request.url).toMatch(/^\/socket\.io\/\?EIO=4&transport=websocket&/);
    expect(socket.io.engine?.handshake).toMatchObject({
      pingInterval: 25000,
      pingTimeout: 20000,
      maxPayload: 1e6,
    });
    expect(typeof socket.id).toBe('string');
  });

  it('answers every ping, so the server keeps the connection past many ping intervals', async () => {
    server = await startServer({ pingInterval: 40, pingTimeout: 200 });
    const socket = client(server.url);
    await once(socket, 'connect');
    let pings = 0;
    socket.io.on('ping', () => pings++);
    let disconnected = false;
    socket.on('disconnect', () => {
      disconnected = true;
    });
    // 8 pings, each answered in time (else the server closes after pingTimeout).
    for (let i = 0; i < 8; i++) await once(socket.io, 'ping', 5000);
    expect(pings).toBeGreaterThanOrEqual(8);
    expect(disconnected).toBe(false);
    expect(socket.connected).toBe(true);
  });

  it('watchdog: a server that stops pinging is closed after pingInterval + pingTimeout and reconnected', async () => {
    raw = await startRawServer((ws) => {
      // Opens, accepts the namespace, then stays silent: no pings at all.
      ws.send(openPacket({ pingInterval: 100, pingTimeout: 100 }));
      ws.on('message', (data) => {
        if (data.toString() === '40') ws.send('40{"sid":"s1"}');
      });
    });
    // Measured from before the connection: the watchdog (200 ms) starts after the handshake.
    const started = Date.now();
    const socket = client(raw.url, { reconnectionDelay: 20, reconnectionDelayMax: 20 });
    await once(socket, 'connect');
    const [reason, details] = await once<[string, ClientError]>(socket, 'disconnect');
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(reason).toBe('ping timeout');
    expect(details.code).toBe('PING_TIMEOUT');
    await once(socket.io, 'reconnect');
    expect(raw.connections()).toBeGreaterThanOrEqual(2);
  });

  it('watchdog against the official server: pings paused via engine internals ⇒ ping timeout, reconnect', async () => {
    server = await startServer({ pingInterval: 100, pingTimeout: 100 });
    const socket = client(server.url);
    const [serverSocket] = await Promise.all([
      once<
        [
          {
            conn: {
              pingTimeoutTimer: NodeJS.Timeout;
              pingIntervalTimer: NodeJS.Timeout;
              schedulePing: () => void;
            };
          },
        ]
      >(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    // Stop the server's ping loop (engine.io internals): the client must notice on its own.
    const conn = serverSocket.conn;
    clearTimeout(conn.pingIntervalTimer);
    clearTimeout(conn.pingTimeoutTimer);
    conn.schedulePing = () => {};
    const [reason] = await once<[string]>(socket, 'disconnect');
    expect(reason).toBe('ping timeout');
    await once(socket, 'connect');
    expect(socket.connected).toBe(true);
  });

  it('times out a connection whose handshake never comes (CONNECT_TIMEOUT)', async () => {
    raw = await startRawServer(() => {});
    const socket = client(raw.url, { timeout: 150, reconnection: false });
    const [error] = await once<[ClientError]>(socket, 'connect_error');
    expect(error.code).toBe('CONNECT_TIMEOUT');
    expect(socket.connected).toBe(false);
  });

  it('rejects a malformed handshake and reconnects', async () => {
    raw = await startRawServer((ws, index) => {
      if (index === 0) ws.send('0{not json');
      else {
        ws.send(openPacket());
        ws.on('message', (d) => d.toString() === '40' && ws.send('40{"sid":"ok"}'));
      }
    });
    const socket = client(raw.url);
    const [error] = await once<[ClientError]>(socket, 'connect_error');
    expect(error.code).toBe('PARSE_ERROR');
    await once(socket, 'connect');
  });

  it('reports TRANSPORT_UNAVAILABLE when there is no WebSocket constructor or no URL', async () => {
    // Node 20 has no global WebSocket; hide one if a newer runtime has it, so webSocketTransport() must fail.
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    g.WebSocket = undefined;
    try {
      const socket = io('http://127.0.0.1:9/', {
        transport: webSocketTransport(),
        forceNew: true,
        reconnection: false,
      });
      managers.push(socket.io);
      const [error] = await once<[ClientError]>(socket, 'connect_error');
      expect(error.code).toBe('TRANSPORT_UNAVAILABLE');
      expect(error.message).toMatch(/webSocketTransport\(WebSocket\)/);
    } finally {
      if (saved === undefined) delete g.WebSocket;
      else g.WebSocket = saved;
    }
    const bare = io('/realtime-voice', {
      transport: webSocketTransport(WebSocket),
      forceNew: true,
      reconnection: false,
    });
    managers.push(bare.io);
    const [error] = await once<[ClientError]>(bare, 'connect_error');
    expect(asClientError(error).code).toBe('TRANSPORT_UNAVAILABLE');
  });

  it('throws TRANSPORT_UNAVAILABLE when no transport is given (there is no default)', () => {
    for (const create of [
      // @ts-expect-error `transport` is required
      () => io('http://127.0.0.1:9/', { forceNew: true }),
      // @ts-expect-error `transport` is required
      () => io({ forceNew: true, transport: undefined }),
      // A JavaScript caller may pass no options at all.
      () => (io as unknown as (uri: string) => unknown)('http://127.0.0.1:9/x'),
    ]) {
      let thrown: unknown;
      try {
        create();
      } catch (error) {
        thrown = error;
      }
      expect(asClientError(thrown).code).toBe('TRANSPORT_UNAVAILABLE');
      expect(asClientError(thrown).message).toMatch(/transport/);
    }
  });

  it('reports a refused connection as TRANSPORT_ERROR with reconnect_error on each attempt', async () => {
    raw = await startRawServer(() => {});
    const url = raw.url;
    await raw.close();
    raw = undefined;
    const socket = client(url, { reconnectionAttempts: 2 });
    const errors: ClientError[] = [];
    socket.on('connect_error', (e) => errors.push(e));
    await once(socket.io, 'reconnect_failed');
    expect(errors.length).toBe(3);
    expect(errors.every((e) => e.code === 'TRANSPORT_ERROR')).toBe(true);
  });
});

// Found by reviewing the client against socket.io-client 4.8 and docs/client.md: each failed before its fix.
describe('path option', () => {
  it("path '/socket.io' (no trailing slash, as socket.io-client accepts it) connects", async () => {
    server = await startServer();
    const socket = client(server.url, { path: '/socket.io' });
    await once(socket, 'connect', 2000);
  });

  it('a custom server path given without trailing slash connects', async () => {
    server = await startServer({ path: '/voice/socket.io' });
    const socket = client(server.url, { path: '/voice/socket.io' });
    await once(socket, 'connect', 2000);
  });
});

describe('heartbeat deadline passed on the wall clock, connection alive', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it('an emit made then is delivered (not parked in the offline buffer of a live connection)', async () => {
    server = await startServer({ pingInterval: 200, pingTimeout: 5000 });
    const got: string[] = [];
    server.io.on('connection', (s) => {
      s.onAny((ev: string) => got.push(ev));
      s.on('late', (cb: (v: string) => void) => cb('ok'));
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    // The device clock jumps forward (network time sync) or timers were late after a suspension:
    // Date.now() is past pingInterval + pingTimeout, the watchdog timer has not fired.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    const late = socket.emitWithAck('late').then(
      (v) => v,
      (e: unknown) => asClientError(e).code,
    );
    vi.useRealTimers();
    // The server keeps pinging, so the old connection would live on with the emit parked; instead it was
    // closed at once and the emit goes out on the new one.
    await waitFor(() => got.includes('late'), 3000, '"late" on the server');
    expect(await late).toBe('ok');
    socket.emit('next');
    await waitFor(() => got.includes('next'), 2000, '"next" on the server');
  });
});
