/**
 * Socket.IO v5 packets against the official server: CONNECT with auth, DISCONNECT both ways, EVENT, ACK
 * both ways, CONNECT_ERROR, BINARY_EVENT / BINARY_ACK with every binary kind, namespaces multiplexed.
 */
import type { Socket as ServerSocket } from 'socket.io';
import * as parser from 'socket.io-parser';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ClientError, io, webSocketTransport } from '../src/socketio/index';
import {
  asClientError,
  client,
  closeClients,
  dropConnections,
  once,
  startServer,
  type TestServer,
  waitFor,
} from './support/server';

class ManyAttachmentsDecoder extends parser.Decoder {
  constructor() {
    super({ maxAttachments: 32 });
  }
}

let server: TestServer | undefined;
afterEach(async () => {
  closeClients();
  await server?.close();
  server = undefined;
});

function bytesOf(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (ArrayBuffer.isView(value))
    return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  throw new Error(`not binary: ${String(value)}`);
}

/** One value of every binary kind, each with distinct, recognisable bytes. */
function everyBinaryKind(): Record<string, ArrayBuffer | ArrayBufferView> {
  const backing = new Uint8Array([200, 201, 1, 2, 3, 4, 5, 6, 7, 8, 202, 203]);
  return {
    arrayBuffer: new Uint8Array([1, 2, 3]).buffer,
    int8: new Int8Array([-1, 2]),
    uint8: new Uint8Array([3, 4]),
    uint8Clamped: new Uint8ClampedArray([5, 255]),
    int16: new Int16Array([-2, 300]),
    uint16: new Uint16Array([65535, 1]),
    int32: new Int32Array([-70000]),
    uint32: new Uint32Array([4000000000]),
    float32: new Float32Array([1.5]),
    float64: new Float64Array([Math.PI]),
    bigInt64: new BigInt64Array([-5n]),
    bigUint64: new BigUint64Array([5n]),
    dataView: new DataView(backing.buffer, 2, 4),
    subarray: backing.subarray(6, 10),
    nodeBuffer: Buffer.from('buffer-bytes'),
    pooledBuffer: Buffer.from('x'),
  };
}

describe('packets', () => {
  it('CONNECT carries auth (object or function) and the server sid; EVENT both ways', async () => {
    server = await startServer();
    const auths: unknown[] = [];
    server.io.of('/voice').on('connection', (s) => {
      auths.push(s.handshake.auth);
      s.emit('welcome', s.id, { nested: [1, 'two'] });
    });
    const a = client(`${server.url}/voice`, { auth: { token: 'tok' } });
    const [sidA, extra] = await once<[string, unknown]>(a, 'welcome');
    expect(sidA).toBe(a.id);
    expect(extra).toEqual({ nested: [1, 'two'] });
    const b = client(`${server.url}/voice`, { auth: (cb) => setTimeout(() => cb({ token: 'late' }), 10) });
    await once(b, 'connect');
    expect(auths).toEqual([{ token: 'tok' }, { token: 'late' }]);
  });

  it('ACK both ways: client callbacks get the server reply; server acks get the client reply', async () => {
    server = await startServer();
    server.io.on('connection', (s) => {
      s.on('sum', (x: number, y: number, cb: (r: number) => void) => cb(x + y));
    });
    const socket = client(server.url);
    const [serverSocket] = await Promise.all([
      once<[ServerSocket]>(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    const sum = await new Promise((resolve) => socket.emit('sum', 2, 3, resolve));
    expect(sum).toBe(5);
    socket.on('question', (q: string, cb: (a: string) => void) => {
      cb(`answer to ${q}`);
      cb('a second call is ignored');
    });
    const reply = await serverSocket.timeout(5000).emitWithAck('question', 'life');
    expect(reply).toBe('answer to life');
  });

  it('binary both ways: every TypedArray kind, DataView, ArrayBuffer, Buffer, nested, in acks', async () => {
    // This packet carries 16 attachments; socket.io-parser ≥ 4.2.6 refuses more than 10 by default
    // (CVE-2026-33151), so this test's server allows more.
    server = await startServer({ parser: { Encoder: parser.Encoder, Decoder: ManyAttachmentsDecoder } });
    const received: Record<string, unknown>[] = [];
    server.io.on('connection', (s) => {
      s.on('echo', (payload: Record<string, unknown>, cb: (...args: unknown[]) => void) => {
        received.push(payload);
        cb({ back: payload }, [payload.arrayBuffer]);
      });
      s.on('push', () => s.emit('pushed', { deep: [{ buf: Buffer.from([9, 8, 7]) }] }, Buffer.from([1])));
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    const all = everyBinaryKind();
    const names = Object.keys(all);
    // At most 10 attachments per packet (socket.io-parser 4.2.6+'s maxAttachments default, which this
    // client enforces too: decision 0016): 6 kinds, arrayBuffer, 2 nested, and the ack's extra one.
    for (let start = 0; start < names.length; start += 6) {
      const kinds = Object.fromEntries(names.slice(start, start + 6).map((name) => [name, all[name]]));
      const payload = {
        ...kinds,
        arrayBuffer: all.arrayBuffer,
        list: [all.uint8, { inner: all.dataView }],
        text: 'mixed',
      };
      received.length = 0;
      const [ack, second] = await new Promise<[{ back: Record<string, unknown> }, unknown[]]>((resolve) =>
        socket.emit('echo', payload, (a: { back: Record<string, unknown> }, b: unknown[]) => resolve([a, b])),
      );
      const onServer = received[0] as Record<string, unknown>;
      for (const [name, value] of Object.entries(kinds)) {
        // The server got exactly the bytes of each view, as Buffers.
        expect(Buffer.isBuffer(onServer[name]), name).toBe(true);
        expect(bytesOf(onServer[name]), name).toEqual(bytesOf(value));
        // And the ack brought them back as ArrayBuffers (what mini-programs deliver).
        expect(ack.back[name], name).toBeInstanceOf(ArrayBuffer);
        expect(bytesOf(ack.back[name]), name).toEqual(bytesOf(value));
      }
      const list = ack.back.list as [ArrayBuffer, { inner: ArrayBuffer }];
      expect(bytesOf(list[0])).toEqual([3, 4]);
      expect(bytesOf(list[1].inner)).toEqual([1, 2, 3, 4]);
      expect(ack.back.text).toBe('mixed');
      expect(bytesOf(second[0])).toEqual([1, 2, 3]);
    }
    socket.emit('push');
    const [obj, top] = await once<[{ deep: Array<{ buf: ArrayBuffer }> }, ArrayBuffer]>(socket, 'pushed');
    expect(bytesOf(obj.deep[0]?.buf)).toEqual([9, 8, 7]);
    expect(bytesOf(top)).toEqual([1]);
  });

  it('binary in acks the client sends to the server', async () => {
    server = await startServer();
    const socket = client(server.url);
    const [serverSocket] = await Promise.all([
      once<[ServerSocket]>(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    socket.on('need-bytes', (cb: (v: unknown) => void) => cb({ pcm: new Int16Array([1, -1]) }));
    const reply = (await serverSocket.timeout(5000).emitWithAck('need-bytes')) as { pcm: Buffer };
    expect(bytesOf(reply.pcm)).toEqual(bytesOf(new Int16Array([1, -1])));
  });

  it('DISCONNECT from the server ⇒ "io server disconnect", no reconnection', async () => {
    server = await startServer();
    server.io.on('connection', (s) => {
      s.on('kick', () => s.disconnect());
    });
    const socket = client(server.url);
    await once(socket, 'connect');
    socket.emit('kick');
    const [reason] = await once<[string]>(socket, 'disconnect');
    expect(reason).toBe('io server disconnect');
    expect(socket.active).toBe(false);
    await waitFor(() => server?.liveConnections() === 0, 5000, 'the connection to close');
  });

  it('DISCONNECT from the client ⇒ the server sees "client namespace disconnect"', async () => {
    server = await startServer();
    const socket = client(server.url);
    const [serverSocket] = await Promise.all([
      once<[ServerSocket]>(server.io, 'connection').then((a) => a[0]),
      once(socket, 'connect'),
    ]);
    const serverReason = once<[string]>(serverSocket, 'disconnect');
    const clientReason = once<[string]>(socket, 'disconnect');
    socket.disconnect();
    expect((await serverReason)[0]).toBe('client namespace disconnect');
    expect((await clientReason)[0]).toBe('io client disconnect');
    expect(socket.connected).toBe(false);
    expect(socket.id).toBeUndefined();
  });

  it('CONNECT_ERROR: the middleware message surfaces as connect_error CONNECT_REFUSED with its data', async () => {
    server = await startServer();
    server.io.of('/private').use((_socket, next) => {
      const err = new Error('unauthorized') as Error & { data?: unknown };
      err.data = { reason: 'token expired' };
      next(err);
    });
    const socket = client(`${server.url}/private`, { auth: { token: 'old' } });
    const [error] = await once<[ClientError]>(socket, 'connect_error');
    expect(error.code).toBe('CONNECT_REFUSED');
    expect(error.message).toBe('unauthorized');
    expect(error.data).toEqual({ reason: 'token expired' });
    expect(socket.active).toBe(false);
    expect(socket.connected).toBe(false);
  });

  it('multiplexes several namespaces over ONE connection; the last disconnect closes it', async () => {
    server = await startServer();
    for (const nsp of ['/a', '/b', '/c', '/d']) {
      server.io.of(nsp).on('connection', (s) => s.on('who', (cb: (n: string) => void) => cb(nsp)));
    }
    const transport = webSocketTransport(WebSocket);
    const opts = { transport, reconnectionDelay: 50 };
    const sockets = ['/a', '/b', '/c', '/d'].map((nsp) => io(`${server?.url}${nsp}`, opts));
    try {
      await Promise.all(sockets.map((s) => (s.connected ? Promise.resolve() : once(s, 'connect'))));
      const manager = sockets[0]?.io;
      expect(sockets.every((s) => s.io === manager)).toBe(true);
      expect(server.liveConnections()).toBe(1);
      const answers = await Promise.all(sockets.map((s) => s.emitWithAck('who')));
      expect(answers).toEqual(['/a', '/b', '/c', '/d']);
      sockets[0]?.disconnect();
      expect(await sockets[1]?.emitWithAck('who')).toBe('/b');
      expect(server.liveConnections()).toBe(1);
      for (const s of sockets.slice(1)) s.disconnect();
      await waitFor(() => server?.liveConnections() === 0, 5000, 'the shared connection to close');
      expect(manager?.readyState).toBe('closed');
    } finally {
      for (const s of sockets) s.io.close();
    }
  });

  it('namespaces sharing a Manager each send only their own auth (a secret never leaks across)', async () => {
    server = await startServer();
    const seen = new Map<string, unknown>();
    for (const nsp of ['/a', '/b', '/c']) {
      server.io.of(nsp).use((s, next) => {
        seen.set(nsp, s.handshake.auth);
        next();
      });
    }
    const transport = webSocketTransport(WebSocket);
    const a = io(`${server.url}/a`, { transport, auth: { token: 'secret-for-a' } });
    const b = io(`${server.url}/b`, { transport });
    const c = io(`${server.url}/c`, { transport, auth: { token: 'token-for-c' } });
    try {
      await Promise.all([a, b, c].map((s) => (s.connected ? Promise.resolve() : once(s, 'connect'))));
      expect(a.io).toBe(b.io);
      expect(b.io).toBe(c.io);
      expect(seen.get('/a')).toEqual({ token: 'secret-for-a' });
      expect(seen.get('/b')).toEqual({});
      expect(seen.get('/c')).toEqual({ token: 'token-for-c' });
    } finally {
      a.io.close();
    }
  });

  it('io() shares a Manager per server, but not with forceNew / multiplex:false / the same namespace twice', async () => {
    server = await startServer();
    const transport = webSocketTransport(WebSocket);
    const base = { transport, autoConnect: false };
    const a = io(`${server.url}/one`, base);
    const b = io(`${server.url}/two`, base);
    const c = io(`${server.url}/one`, base);
    const d = io(`${server.url}/three`, { ...base, forceNew: true });
    const e = io(`${server.url}/four`, { ...base, multiplex: false });
    expect(a.io).toBe(b.io);
    expect(c.io).not.toBe(a.io);
    expect(d.io).not.toBe(a.io);
    expect(e.io).not.toBe(a.io);
    for (const s of [a, b, c, d, e]) s.io.close();
  });

  it('onAny / prependAny / offAny and onAnyOutgoing / prependAnyOutgoing / offAnyOutgoing', async () => {
    server = await startServer();
    server.io.on('connection', (s) => s.on('ping-me', () => s.emit('pong-you', 1)));
    const socket = client(server.url);
    await once(socket, 'connect');
    const seen: string[] = [];
    const any = (ev: unknown) => seen.push(`any:${String(ev)}`);
    socket.onAny(any);
    socket.prependAny((ev: unknown) => seen.push(`first:${String(ev)}`));
    const out = (ev: unknown, n: unknown) => seen.push(`out:${String(ev)}:${String(n)}`);
    socket.onAnyOutgoing(out);
    socket.prependAnyOutgoing((ev: unknown) => seen.push(`out-first:${String(ev)}`));
    socket.emit('ping-me', 7);
    await once(socket, 'pong-you');
    expect(seen).toEqual(['out-first:ping-me', 'out:ping-me:7', 'first:pong-you', 'any:pong-you']);
    expect(socket.listenersAny().length).toBe(2);
    socket.offAny(any);
    socket.offAnyOutgoing();
    expect(socket.listenersAny().length).toBe(1);
    expect(socket.listenersAnyOutgoing().length).toBe(0);
    socket.offAny();
    expect(socket.listenersAny().length).toBe(0);
  });

  it('refuses to emit reserved event names', async () => {
    server = await startServer();
    const socket = client(server.url, { autoConnect: false });
    expect(() => socket.emit('connect')).toThrow(/reserved/);
    expect(() => socket.emit('disconnect')).toThrow(/reserved/);
  });
});

describe('late ack replies', () => {
  it('an ack reply after the connection it answers is gone is not sent (emit_error DISCONNECTED)', async () => {
    server = await startServer();
    const socket = client(server.url);
    const connection = once<[ServerSocket]>(server.io, 'connection');
    await once(socket, 'connect');
    const [serverSocket] = await connection;
    const question = once<[(answer: string) => void]>(socket, 'question');
    serverSocket.emit('question', () => {});
    const [reply] = await question;
    const errors: ClientError[] = [];
    socket.on('emit_error', (e, event) => {
      expect(event).toBeUndefined();
      errors.push(e);
    });
    serverSocket.conn.close();
    await once(socket, 'disconnect');
    // The server's ack ids restart on the next connection: this reply must not reach it.
    reply('too late');
    expect(errors.map((e) => e.code)).toEqual(['DISCONNECTED']);
    await once(socket, 'connect');
  });
});

// Found by reviewing the client against socket.io-client 4.8 and docs/client.md: each failed before its fix.
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
