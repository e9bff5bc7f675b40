/**
 * Reconnection against the official server: events and backoff, reconnect_failed, never two live
 * connections per Manager, connection state recovery, and the lifecycle hook (foreground / network).
 */
import type { Socket as ServerSocket } from 'socket.io';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  type ClientError,
  type LifecycleListener,
  type LifecycleSource,
  type Transport,
  webSocketTransport,
} from '../src/socketio/index';
import {
  client,
  closeClients,
  dropConnections,
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
afterEach(async () => {
  closeClients();
  await server?.close();
  await raw?.close();
  server = undefined;
  raw = undefined;
});

/** The bits of an engine.io server-side client this test reads. */
interface EngineClient {
  id: string;
  transport: { socket?: { readyState: number } };
}

/** Wraps the ws transport to count connections the client has opened and not yet closed. */
function countingTransport(): {
  transport: Transport;
  maxLive: () => number;
  live: () => number;
  opened: () => number;
} {
  const inner = webSocketTransport(WebSocket);
  let live = 0;
  let maxLive = 0;
  let opened = 0;
  return {
    transport: {
      name: 'counting',
      open(request, listener) {
        live++;
        opened++;
        maxLive = Math.max(maxLive, live);
        let done = false;
        const end = () => {
          if (!done) {
            done = true;
            live--;
          }
        };
        const conn = inner.open(request, {
          ...listener,
          onClose: (d) => {
            end();
            listener.onClose(d);
          },
        });
        return {
          send: (data) => conn.send(data),
          close: () => {
            end();
            conn.close();
          },
        };
      },
    },
    maxLive: () => maxLive,
    live: () => live,
    opened: () => opened,
  };
}

/** A LifecycleSource the test drives by hand. */
function fakeLifecycle(): {
  source: LifecycleSource;
  get: () => LifecycleListener;
  subscribed: () => number;
} {
  let current: LifecycleListener | undefined;
  let subscribed = 0;
  return {
    source: (listener) => {
      current = listener;
      subscribed++;
      return () => {
        subscribed--;
        current = undefined;
      };
    },
    get: () => {
      if (!current) throw new Error('not subscribed');
      return current;
    },
    subscribed: () => subscribed,
  };
}

describe('reconnection', () => {
  it('after a transport loss: disconnect, reconnect_attempt, open, reconnect, connect — in that order', async () => {
    server = await startServer();
    const socket = client(server.url, {
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
    });
    const [serverSocket] = await Promise.all([
      once<[ServerSocket]>(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    const firstId = socket.id;
    const events: string[] = [];
    socket.on('disconnect', (reason) => events.push(`disconnect:${reason}`));
    socket.io.on('close', (reason) => events.push(`close:${reason}`));
    socket.io.on('reconnect_attempt', (n) => events.push(`reconnect_attempt:${n}`));
    socket.io.on('open', () => events.push('open'));
    socket.io.on('reconnect', (n) => events.push(`reconnect:${n}`));
    const lostAt = Date.now();
    serverSocket.conn.close();
    await once(socket, 'connect');
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(90);
    // Sockets subscribe to the Manager first, so `disconnect` comes before this test's `close` listener.
    expect(events).toEqual([
      'disconnect:transport close',
      'close:transport close',
      'reconnect_attempt:1',
      'open',
      'reconnect:1',
    ]);
    expect(socket.id).not.toBe(firstId);
  });

  it('backs off exponentially between failed attempts, then gives up with reconnect_failed', async () => {
    raw = await startRawServer((ws) => ws.terminate());
    const socket = client(raw.url, {
      reconnectionAttempts: 4,
      reconnectionDelay: 40,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0,
    });
    const attempts: Array<[number, number]> = [];
    const errors: ClientError[] = [];
    socket.io.on('reconnect_attempt', (n) => attempts.push([n, Date.now()]));
    socket.io.on('reconnect_error', (e) => errors.push(e));
    await once(socket.io, 'reconnect_failed');
    expect(attempts.map(([n]) => n)).toEqual([1, 2, 3, 4]);
    expect(errors.length).toBe(4);
    // Gaps between attempts grow: ≥ 80, ≥ 160, ≥ 320 ms (delays 40·2^n, plus the failed attempt itself).
    const gaps = attempts.slice(1).map(([, t], i) => t - (attempts[i] as [number, number])[1]);
    expect(gaps[0]).toBeGreaterThanOrEqual(75);
    expect(gaps[1]).toBeGreaterThanOrEqual(155);
    expect(gaps[2]).toBeGreaterThanOrEqual(315);
    expect(socket.connected).toBe(false);
  });

  it('reconnection: false ⇒ no attempts after a transport loss', async () => {
    server = await startServer();
    const socket = client(server.url, { reconnection: false });
    const [serverSocket] = await Promise.all([
      once<[ServerSocket]>(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    let attempts = 0;
    socket.io.on('reconnect_attempt', () => attempts++);
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    await new Promise((r) => setTimeout(r, 200));
    expect(attempts).toBe(0);
    expect(socket.io.readyState).toBe('closed');
  });

  it('never holds two live connections: each reconnect closes the old one first (client and server counts)', async () => {
    server = await startServer({ pingInterval: 1000, pingTimeout: 1000 });
    const overlaps: number[] = [];
    const engine = server.io.engine as unknown as { clients: Record<string, EngineClient> };
    server.io.engine.on('connection', (conn: { id: string }) => {
      // Other engine connections whose WebSocket is still OPEN (has not even received a close frame).
      const clients = engine.clients;
      const others = Object.values(clients).filter(
        (c) => c.id !== conn.id && c.transport.socket?.readyState === 1,
      );
      overlaps.push(others.length);
    });
    const counting = countingTransport();
    const life = fakeLifecycle();
    server.io.of('/a');
    server.io.of('/b');
    const socket = client(`${server.url}/a`, {
      transport: counting.transport,
      lifecycle: life.source,
      reconnectionDelay: 30,
    });
    const other = socket.io.socket('/b');
    await Promise.all([once(socket, 'connect'), once(other, 'connect')]);
    for (let round = 0; round < 4; round++) {
      const serverSocket = server.io.of('/a').sockets.get(socket.id as string) as ServerSocket;
      serverSocket.conn.close();
      await once(socket, 'disconnect');
      // Hammer the lifecycle hook while reconnecting: it must not open a second connection.
      life.get().foreground();
      life.get().network(true);
      life.get().foreground();
      await once(socket, 'connect');
      if (!other.connected) await once(other, 'connect');
    }
    expect(counting.maxLive()).toBe(1);
    expect(counting.live()).toBe(1);
    expect(overlaps.every((n) => n === 0)).toBe(true);
    expect(overlaps.length).toBe(5);
    await waitFor(() => server?.liveConnections() === 1, 5000, 'one server-side connection');
  });
});

describe('connection state recovery', () => {
  it('sends pid/offset on reconnect: recovered === true and the missed events are replayed', async () => {
    server = await startServer({
      connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
    });
    server.io.on('connection', (s) => {
      s.on('disconnect', () => {
        // Emitted while the client is away: must reach it on recovery.
        server?.io.emit('news', 'missed-1');
        server?.io.emit('news', 'missed-2');
      });
    });
    const socket = client(server.url, {
      reconnectionDelay: 200,
      reconnectionDelayMax: 200,
      randomizationFactor: 0,
    });
    const news: unknown[] = [];
    socket.on('news', (text: unknown) => news.push(text));
    await once(socket, 'connect');
    expect(socket.recovered).toBe(false);
    const firstId = socket.id;
    server.io.emit('news', 'live');
    await waitFor(() => news.length === 1, 5000, 'the first event');
    const serverSocket = Array.from(server.io.sockets.sockets.values())[0] as ServerSocket;
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    await once(socket, 'connect');
    expect(socket.recovered).toBe(true);
    expect(socket.id).toBe(firstId);
    await waitFor(() => news.length === 3, 5000, 'the replayed events');
    expect(news).toEqual(['live', 'missed-1', 'missed-2']);
  });

  it('recovered === false when the server has no session for the pid (e.g. after a server-side disconnect)', async () => {
    server = await startServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000 } });
    const socket = client(server.url);
    await once(socket, 'connect');
    // No event received yet ⇒ no offset ⇒ the server cannot recover the session.
    const serverSocket = Array.from(server.io.sockets.sockets.values())[0] as ServerSocket;
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    await once(socket, 'connect');
    expect(socket.recovered).toBe(false);
  });
});

describe('lifecycle', () => {
  it('foreground() while waiting out the backoff reconnects at once', async () => {
    server = await startServer();
    const life = fakeLifecycle();
    const socket = client(server.url, {
      lifecycle: life.source,
      reconnectionDelay: 20_000,
      reconnectionDelayMax: 20_000,
      randomizationFactor: 0,
    });
    await once(socket, 'connect');
    const serverSocket = Array.from(server.io.sockets.sockets.values())[0] as ServerSocket;
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    const attempt = once<[number]>(socket.io, 'reconnect_attempt', 3000);
    const started = Date.now();
    life.get().background();
    life.get().foreground();
    expect((await attempt)[0]).toBe(1);
    await once(socket, 'connect', 5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('network(true) reconnects at once; network(false) does nothing', async () => {
    server = await startServer();
    const life = fakeLifecycle();
    const socket = client(server.url, {
      lifecycle: life.source,
      reconnectionDelay: 20_000,
      reconnectionDelayMax: 20_000,
    });
    await once(socket, 'connect');
    const serverSocket = Array.from(server.io.sockets.sockets.values())[0] as ServerSocket;
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    let attempts = 0;
    socket.io.on('reconnect_attempt', () => attempts++);
    life.get().network(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(attempts).toBe(0);
    life.get().network(true);
    await once(socket, 'connect', 5000);
    expect(attempts).toBe(1);
  });

  it('foreground() while an attempt is still opening retries at once when that attempt fails', async () => {
    let first: WebSocket | undefined;
    let endHeldAttempt: (() => void) | undefined;
    let heldAttemptArrived!: () => void;
    const held = new Promise<void>((resolve) => {
      heldAttemptArrived = resolve;
    });
    raw = await startRawServer((ws, index) => {
      if (index === 1) {
        // The first reconnection attempt hangs (no open packet) until the test makes it fail.
        endHeldAttempt = () => ws.terminate();
        heldAttemptArrived();
        return;
      }
      if (index === 0) first = ws;
      ws.send(openPacket());
      ws.on('message', (d) => d.toString() === '40' && ws.send(`40{"sid":"s${index}"}`));
    });
    const life = fakeLifecycle();
    const socket = client(raw.url, {
      lifecycle: life.source,
      reconnectionDelay: 20_000,
      reconnectionDelayMax: 20_000,
      randomizationFactor: 0,
    });
    await once(socket, 'connect');
    first?.terminate();
    await once(socket, 'disconnect');
    life.get().foreground(); // attempt 1 now, instead of in 20 s
    await held;
    life.get().foreground(); // while attempt 1 is still opening
    const started = Date.now();
    endHeldAttempt?.();
    await once(socket, 'connect', 5000);
    expect(socket.id).toBe('s2');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('foreground() after reconnect_failed tries again with a fresh backoff', async () => {
    raw = await startRawServer((ws, index) => {
      if (index < 2) return ws.terminate();
      ws.send(openPacket());
      ws.on('message', (d) => d.toString() === '40' && ws.send('40{"sid":"back"}'));
    });
    const life = fakeLifecycle();
    const socket = client(raw.url, { lifecycle: life.source, reconnectionAttempts: 1 });
    await once(socket.io, 'reconnect_failed');
    life.get().foreground();
    await once(socket, 'connect');
    expect(socket.id).toBe('back');
  });

  it('foreground() replaces a connection whose heartbeat expired while the app was suspended', async () => {
    server = await startServer();
    const life = fakeLifecycle();
    const socket = client(server.url, {
      lifecycle: life.source,
      reconnectionDelay: 20_000,
      reconnectionDelayMax: 20_000,
    });
    await once(socket, 'connect');
    const reasons: string[] = [];
    socket.on('disconnect', (reason) => reasons.push(reason));
    // A suspended mini-program runs no timers: the clock moved past pingInterval + pingTimeout unnoticed.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 60_000);
    try {
      life.get().foreground();
    } finally {
      clock.mockRestore();
    }
    expect(reasons).toEqual(['ping timeout']);
    await once(socket, 'connect', 5000);
    expect(socket.connected).toBe(true);
  });

  it('an explicit manager.open() during the backoff wait replaces the scheduled attempt', async () => {
    server = await startServer();
    const socket = client(server.url, { reconnectionDelay: 20_000, reconnectionDelayMax: 20_000 });
    await once(socket, 'connect');
    const serverSocket = server.io.sockets.sockets.get(socket.id as string) as ServerSocket;
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    expect(socket.io.reconnecting).toBe(true);
    socket.io.open();
    await once(socket, 'connect', 5000);
    expect(socket.io.reconnecting).toBe(false);
    // And the next loss still reconnects (the reconnecting state was not left stuck).
    const again = server.io.sockets.sockets.get(socket.id as string) as ServerSocket;
    again.conn.close();
    await once(socket, 'disconnect');
    expect(socket.io.reconnecting).toBe(true);
  });

  it('foreground() while connected does nothing, and the Manager unsubscribes when closed', async () => {
    server = await startServer();
    const life = fakeLifecycle();
    const socket = client(server.url, { lifecycle: life.source });
    await once(socket, 'connect');
    expect(life.subscribed()).toBe(1);
    let closes = 0;
    socket.io.on('close', () => closes++);
    life.get().foreground();
    life.get().network(true);
    expect(closes).toBe(0);
    expect(socket.connected).toBe(true);
    socket.disconnect();
    expect(life.subscribed()).toBe(0);
  });
});

// Found by reviewing the client against socket.io-client 4.8 and docs/client.md: each failed before its fix.
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
