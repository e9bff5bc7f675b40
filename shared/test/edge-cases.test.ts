/**
 * Edge cases found by reviewing the client against socket.io-client 4.8 and docs/client.md: each test
 * failed before its fix (auth that throws or is too large, a late auth callback, backoff after
 * disconnect + connect, connect() from a disconnect listener, volatile acks offline, `path` without a
 * trailing slash, an emit past the heartbeat deadline, once after on). Against the official server.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  asClientError,
  client,
  closeClients,
  once,
  startServer,
  type TestServer,
  waitFor,
} from './support/server';

let server: TestServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  closeClients();
  await server?.close();
  server = undefined;
});

type AuthCallback = (data: Record<string, unknown>) => void;

describe('a namespace CONNECT that could not be sent', () => {
  it('auth function threw: socket.connect() (the documented remedy) connects once auth works', async () => {
    server = await startServer();
    let calls = 0;
    const socket = client(server.url, {
      auth: (cb: AuthCallback) => {
        if (calls++ === 0) throw new Error('token not loaded yet');
        cb({ token: 'ok' });
      },
    });
    const [err] = await once(socket, 'connect_error');
    expect(asClientError(err).code).toBe('CONNECT_REFUSED');
    // docs/client.md: "Fix the credentials ..., then call socket.connect() again".
    socket.connect();
    await once(socket, 'connect', 2000);
    expect(socket.connected).toBe(true);
  });

  it('auth over maxPayload: after a smaller auth, socket.connect() connects', async () => {
    server = await startServer({ maxHttpBufferSize: 1000 });
    const socket = client(server.url, { auth: { token: 'x'.repeat(2000) } });
    const [err] = await once(socket, 'connect_error');
    expect(asClientError(err).code).toBe('PAYLOAD_TOO_LARGE');
    socket.auth = { token: 'ok' };
    // socket.io-client's documented pattern: an inactive socket needs connect(); an active one retries.
    if (!socket.active) socket.connect();
    await once(socket, 'connect', 2000);
    expect(socket.connected).toBe(true);
  });
});

describe('auth function answering late', () => {
  it('a callback from a previous connection does not send a second namespace CONNECT', async () => {
    server = await startServer();
    server.io.on('connection', (s) => s.on('sync', (cb: () => void) => cb()));
    const pending: AuthCallback[] = [];
    const socket = client(server.url, { auth: (cb: AuthCallback) => void pending.push(cb) });
    let connects = 0;
    let disconnects = 0;
    socket.on('connect', () => connects++);
    socket.on('disconnect', () => disconnects++);
    await waitFor(() => pending.length === 1, 5000, 'first auth call');
    // The server restarts the Engine.IO connection while the token is still being fetched.
    dropConnections(server);
    await waitFor(() => pending.length === 2, 5000, 'auth call on the new connection');
    // Both fetches finish now: the stale one belongs to a connection that is gone.
    (pending[0] as AuthCallback)({ token: 'old' });
    (pending[1] as AuthCallback)({ token: 'new' });
    await once(socket, 'connect');
    // One round trip: the server has handled every packet sent before, a second CONNECT included.
    await socket.timeout(2000).emitWithAck('sync');
    expect(connects).toBe(1);
    expect(disconnects).toBe(0);
    expect(server.io.of('/').sockets.size).toBe(1);
    const [serverSocket] = Array.from(server.io.of('/').sockets.values());
    expect(serverSocket?.handshake.auth).toEqual({ token: 'new' });
  });
});

describe('reconnection after disconnect() + connect()', () => {
  it('starts a fresh backoff cycle (socket.io-client resets the backoff on close)', async () => {
    const dead = await startServer();
    const url = dead.url;
    await dead.close();
    const socket = client(url, {
      reconnectionAttempts: 3,
      reconnectionDelay: 30,
      reconnectionDelayMax: 30,
      randomizationFactor: 0,
    });
    let errors = 0;
    let restarted = false;
    const after: number[] = [];
    const failed = once(socket.io, 'reconnect_failed', 5000);
    socket.io.on('reconnect_attempt', (n) => {
      if (restarted) after.push(n);
    });
    socket.io.on('reconnect_error', () => {
      // During the backoff before attempt 3, the user presses "retry": disconnect and connect again.
      if (++errors === 2 && !restarted) {
        restarted = true;
        socket.disconnect();
        socket.connect();
      }
    });
    await failed;
    expect(after).toEqual([1, 2, 3]);
  });
});

/** Closes every Engine.IO connection on the server side (what a server restart or a proxy does). */
function dropConnections(s: TestServer): void {
  const engine = s.io.engine as unknown as { clients: Record<string, { close(): void }> };
  for (const c of Object.values(engine.clients)) c.close();
}

describe('reconnection when a disconnect listener calls socket.connect()', () => {
  it('keeps reconnecting on later connection losses', async () => {
    server = await startServer();
    const socket = client(server.url);
    await once(socket, 'connect');
    // A common pattern (StackOverflow, many apps): reconnect by hand on any disconnect.
    socket.on('disconnect', () => socket.connect());
    dropConnections(server);
    await once(socket, 'connect');
    // The listener reconnected: no backoff attempt may still be scheduled behind its back.
    expect(socket.io.reconnecting).toBe(false);
    dropConnections(server);
    await once(socket, 'connect', 3000);
    expect(socket.connected).toBe(true);
  });
});

describe('volatile emits with an ack', () => {
  it('volatile.emitWithAck while offline settles (rejects) instead of pending forever', async () => {
    server = await startServer();
    const url = server.url;
    await server.close();
    server = undefined;
    const socket = client(url);
    // Rejected in the emit itself: a volatile packet is dropped, not buffered.
    const outcome = socket.volatile.emitWithAck('level', 0.3);
    await expect(outcome).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(socket.connected).toBe(false);
  });
});

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

describe('emitter', () => {
  it('once(ev, f) after on(ev, f): the permanent listener survives the once one', async () => {
    server = await startServer();
    server.io.on('connection', (s) => {
      s.on('go', () => {
        s.emit('x');
        s.emit('x');
        s.emit('x');
        s.emit('done');
      });
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    let calls = 0;
    const f = () => calls++;
    socket.on('x', f);
    socket.once('x', f);
    socket.emit('go');
    await once(socket, 'done');
    // 2 (on + once) + 1 + 1, as with socket.io-client's component-emitter.
    expect(calls).toBe(4);
    expect(socket.listeners('x')).toEqual([f]);
  });
});
