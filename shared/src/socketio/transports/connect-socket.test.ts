/**
 * @module connect-socket.test — connectSocketTransport over the SocketTask emulations (real WebSockets),
 * against a raw `ws` server and the official socket.io server on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  EchoServer,
  OfficialServer,
  RecordingListener,
  SocketPool,
} from '../../../test/support/socket-task';
import {
  createMyConnectSocket,
  createUniConnectSocket,
  createWxConnectSocket,
  recordingListener,
  startEchoServer,
  startOfficialServer,
  unusedPort,
} from '../../../test/support/socket-task';
import { ClientError } from '../errors';
import { decodeBase64, encodeBase64 } from './alipay';
import type { ConnectSocketFunction } from './connect-socket';
import { connectSocketTransport } from './connect-socket';
import type { TransportConnection, TransportRequest } from './transport';

const EIO_PATH = '/socket.io/?EIO=4&transport=websocket';

function bytes(length: number, seed = 7): ArrayBuffer {
  const view = new Uint8Array(length);
  for (let i = 0; i < length; i++) view[i] = (i * seed + (i >> 8)) & 255;
  return view.buffer;
}

function asBytes(data: string | ArrayBuffer): number[] {
  expect(Object.prototype.toString.call(data)).toBe('[object ArrayBuffer]');
  return [...new Uint8Array(data as ArrayBuffer)];
}

function request(url: string | undefined, path = '/'): TransportRequest {
  return { url, path };
}

const pools: SocketPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.closeAll();
});

function track<T extends { pool: SocketPool }>(emulation: T): T {
  pools.push(emulation.pool);
  return emulation;
}

function errors(listener: RecordingListener): ClientError[] {
  return listener.events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
}

function closes(listener: RecordingListener): number {
  return listener.events.filter((e) => e.type === 'close').length;
}

describe('connectSocketTransport — raw WebSocket server', () => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('opens with the exact URL (query kept) and header, and round-trips text and binary byte-exact', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    const transport = connectSocketTransport(wx, { header: { 'x-token': 'abc', Referer: 'https://evil' } });
    const url = `${server.url}${EIO_PATH}&token=a%20b&lang=zh-CN`;
    const connection = transport.open(request(url), listener);
    await listener.opened;
    expect(transport.name).toBe('connectSocket');
    const seen = server.upgrades.at(-1)!;
    expect(seen.url).toBe(`${EIO_PATH}&token=a%20b&lang=zh-CN`);
    expect(seen.headers['x-token']).toBe('abc');
    // WeChat forbids Referer; the emulation drops it like the platform.
    expect(seen.headers.referer).toBeUndefined();

    connection.send('héllo ✓ 🎤');
    expect(await listener.nextMessage()).toBe('héllo ✓ 🎤');
    for (const length of [0, 1, 2, 3, 255, 256, 3200, 70_000]) {
      const frame = bytes(length);
      connection.send(frame);
      expect(asBytes(await listener.nextMessage())).toEqual([...new Uint8Array(frame)]);
    }
    expect(errors(listener)).toEqual([]);
    connection.close();
  });

  it('reports the server close code and reason exactly once, with no error', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    const connection = transportOpen(wx, `${server.url}/`, listener);
    await listener.opened;
    connection.send('!close 4001 bye now');
    expect(await listener.closed).toEqual({ code: 4001, reason: 'bye now' });
    expect(closes(listener)).toBe(1);
    expect(errors(listener)).toEqual([]);
  });

  it('after the engine closes, reports nothing at all and frees the socket (server sees 1000)', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    const peer = server.nextConnection();
    const connection = transportOpen(wx, `${server.url}/`, listener);
    await listener.opened;
    const serverSide = await peer;
    const serverClosed = new Promise<number>((resolve) => serverSide.once('close', (code) => resolve(code)));
    connection.close();
    connection.close(); // idempotent
    expect(await serverClosed).toBe(1000);
    await wx.pool.connections[0]!.closed;
    expect(wx.pool.liveCount()).toBe(0);
    expect(listener.events).toEqual([{ type: 'open' }]);
  });

  it('close() before open cancels: the task is closed and nothing is reported', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    transportOpen(wx, `${server.url}/`, listener).close();
    await wx.pool.connections[0]!.closed;
    expect(wx.pool.liveCount()).toBe(0);
    expect(listener.events).toEqual([]);
  });

  it('Douyin: a close() the platform ignores before connect success is repeated once the task is ready', async () => {
    const tt = track(createWxConnectSocket({ closeBeforeReadyIsNoop: true }));
    const listener = recordingListener();
    transportOpen(tt, `${server.url}/`, listener).close();
    await tt.pool.connections[0]!.closed;
    expect(tt.pool.liveCount()).toBe(0);
    expect(listener.events).toEqual([]);
  });

  it('a refused connection is TRANSPORT_ERROR carrying the platform errMsg, then one close', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    transportOpen(wx, `ws://127.0.0.1:${await unusedPort()}/`, listener);
    await listener.closed;
    const [error, ...rest] = errors(listener);
    expect(rest).toEqual([]);
    expect(error).toBeInstanceOf(ClientError);
    expect(error!.code).toBe('TRANSPORT_ERROR');
    expect(error!.message).toMatch(/connectSocket:fail .*ECONNREFUSED/);
    expect(listener.events.at(-1)!.type).toBe('close');
    expect(closes(listener)).toBe(1);
  });

  it('the sixth concurrent socket fails with the platform "exceed max task count"', async () => {
    const wx = track(createWxConnectSocket());
    const listeners = Array.from({ length: 5 }, () => recordingListener());
    for (const listener of listeners) transportOpen(wx, `${server.url}/`, listener);
    await Promise.all(listeners.map((l) => l.opened));
    const sixth = recordingListener();
    transportOpen(wx, `${server.url}/`, sixth);
    await sixth.closed;
    expect(errors(sixth)[0]!.message).toContain('connectSocket:fail exceed max task count');
  });

  it('a send the platform refuses (not OPEN) is reported as an error, then the transport closes', async () => {
    const wx = track(createWxConnectSocket());
    const listener = recordingListener();
    const connection = transportOpen(wx, `${server.url}/`, listener);
    connection.send('too early');
    await listener.closed;
    expect(errors(listener)[0]!.message).toContain('SocketTask.send:fail SocketTask.readyState is not OPEN');
    await wx.pool.connections[0]!.closed;
    expect(wx.pool.liveCount()).toBe(0);
  });

  it('reports a missing connectSocket or URL asynchronously, never from open()', async () => {
    for (const [fn, url, code] of [
      [undefined, `${server.url}/`, 'TRANSPORT_UNAVAILABLE'],
      [track(createWxConnectSocket()), undefined, 'TRANSPORT_ERROR'],
      [() => Promise.resolve({ errMsg: 'connectSocket:ok' }), `${server.url}/`, 'TRANSPORT_UNAVAILABLE'],
      [
        () => {
          throw new Error('boom');
        },
        `${server.url}/`,
        'TRANSPORT_ERROR',
      ],
    ] as const) {
      const listener = recordingListener();
      const transport = connectSocketTransport(fn as unknown as ConnectSocketFunction);
      expect(() => transport.open(request(url), listener)).not.toThrow();
      expect(listener.events).toEqual([]);
      await listener.closed;
      expect(errors(listener).map((e) => e.code)).toEqual([code]);
    }
  });

  it('uni-app: gets the task because callbacks are always passed; H5 `onClose({})` is tolerated', async () => {
    const trapped = track(createUniConnectSocket());
    // Without callbacks uni returns a Promise and the task is unreachable: the trap the transport avoids.
    const trap = trapped({ url: `${server.url}/` });
    expect(trap).toBeInstanceOf(Promise);
    await expect(trap).resolves.toEqual({ errMsg: 'connectSocket:ok' });

    const uni = track(createUniConnectSocket({ h5EmptyClose: true }));
    const listener = recordingListener();
    const connection = transportOpen(uni, `${server.url}/`, listener);
    await listener.opened;
    const frame = bytes(1000, 13);
    connection.send(frame);
    expect(asBytes(await listener.nextMessage())).toEqual([...new Uint8Array(frame)]);
    connection.send('!close 4002 bye');
    expect(await listener.closed).toEqual({ reason: '' });
    expect(errors(listener)).toEqual([]);
  });

  for (const [label, vendor, nestedData] of [
    ['explicit vendor', 'alipay', false],
    ['auto-detected', undefined, false],
    ['auto-detected, nested res.data.data', undefined, true],
  ] as const) {
    it(`Alipay (${label}): multiple: true, base64 + isBuffer both ways, byte-exact`, async () => {
      const my = track(createMyConnectSocket({ nestedData }));
      const listener = recordingListener();
      const transport = connectSocketTransport(my, vendor ? { vendor } : {});
      const connection = transport.open(request(`${server.url}/`), listener);
      await listener.opened;
      // Auto mode learns Alipay from the first received envelope, as the Engine.IO server speaks first.
      connection.send('hello');
      expect(await listener.nextMessage()).toBe('hello');
      for (const length of [0, 1, 2, 3, 4, 3200, 65_537]) {
        const frame = bytes(length, 31);
        connection.send(frame);
        expect(asBytes(await listener.nextMessage())).toEqual([...new Uint8Array(frame)]);
      }
      expect(errors(listener)).toEqual([]);
      connection.close();
      await my.pool.connections[0]!.closed;
      expect(my.pool.liveCount()).toBe(0);
    });
  }

  it('Alipay close codes: the transport closes with 1000, which Alipay accepts', async () => {
    const my = track(createMyConnectSocket());
    const listener = recordingListener();
    const peer = server.nextConnection();
    const connection = connectSocketTransport(my, { vendor: 'alipay' }).open(
      request(`${server.url}/`),
      listener,
    );
    await listener.opened;
    const serverSide = await peer;
    const code = new Promise<number>((resolve) => serverSide.once('close', (c) => resolve(c)));
    connection.close();
    expect(await code).toBe(1000);
  });
});

function transportOpen(
  connectSocket: ConnectSocketFunction,
  url: string,
  listener: RecordingListener,
): TransportConnection {
  return connectSocketTransport(connectSocket).open(request(url), listener);
}

describe('connectSocketTransport — official socket.io server (websocket only)', () => {
  let server: OfficialServer;
  beforeAll(async () => {
    server = await startOfficialServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const emulations = {
    'wx.connectSocket': () => track(createWxConnectSocket()),
    'uni.connectSocket': () => track(createUniConnectSocket()),
    'my.connectSocket (auto)': () => track(createMyConnectSocket()),
    'my.connectSocket (nested data)': () => track(createMyConnectSocket({ nestedData: true })),
  } satisfies Record<string, () => ConnectSocketFunction & { pool: SocketPool }>;

  for (const [name, create] of Object.entries(emulations)) {
    it(`${name}: Engine.IO open packet, query reaches the server, text + binary ack round-trip`, async () => {
      const connectSocket = create();
      const listener = recordingListener();
      const url = `ws://127.0.0.1:${server.port}${EIO_PATH}&token=t%2F1&room=42`;
      const connection = connectSocketTransport(connectSocket).open(request(url), listener);
      await listener.opened;

      const open = await listener.nextMessage();
      expect(open).toMatch(/^0\{"sid":"[^"]+"/);
      expect(JSON.parse((open as string).slice(1))).toMatchObject({ upgrades: [], maxPayload: 1_000_000 });
      const seen = new URL(server.engineUrls.at(-1)!, 'http://x');
      expect(seen.searchParams.get('EIO')).toBe('4');
      expect(seen.searchParams.get('transport')).toBe('websocket');
      expect(seen.searchParams.get('token')).toBe('t/1');
      expect(seen.searchParams.get('room')).toBe('42');

      connection.send('40');
      expect(await listener.nextMessage()).toMatch(/^40\{"sid":"/);
      connection.send('42["echo","héllo ✓"]');
      expect(await listener.nextMessage()).toBe('42["echo","héllo ✓"]');

      const frame = bytes(3200, 11);
      connection.send('451-0["echo",{"_placeholder":true,"num":0}]');
      connection.send(frame);
      expect(await listener.nextMessage()).toBe('461-0[{"_placeholder":true,"num":0}]');
      expect(asBytes(await listener.nextMessage())).toEqual([...new Uint8Array(frame)]);

      // Engine.IO ping from the client side is not part of v4; a server-initiated close is:
      server.io.disconnectSockets(true);
      expect(await listener.nextMessage()).toBe('41');
      const details = await listener.closed;
      expect(typeof details.code).toBe('number');
      expect(errors(listener)).toEqual([]);
    });
  }
});

describe('base64 (hand-written; mini-programs have no btoa/atob/Buffer)', () => {
  it('matches Node for every length 0..300 and all byte values', () => {
    for (let length = 0; length <= 300; length++) {
      const data = bytes(length, 97);
      const expected = Buffer.from(data).toString('base64');
      expect(encodeBase64(data)).toBe(expected);
      expect([...new Uint8Array(decodeBase64(expected)!)]).toEqual([...new Uint8Array(data)]);
    }
    const all = new Uint8Array(256).map((_, i) => i);
    expect(encodeBase64(all.buffer)).toBe(Buffer.from(all).toString('base64'));
  });

  it('accepts missing padding, whitespace and the URL-safe alphabet; rejects garbage', () => {
    expect([...new Uint8Array(decodeBase64('AQI')!)]).toEqual([1, 2]);
    expect([...new Uint8Array(decodeBase64('A Q\nI D')!)]).toEqual([1, 2, 3]);
    expect([...new Uint8Array(decodeBase64('-_8')!)]).toEqual([0xfb, 0xff]);
    expect(decodeBase64('A')).toBeUndefined();
    expect(decodeBase64('AQ*D')).toBeUndefined();
  });
});
