/**
 * @module mini-program-transports.test — the whole client (`io`) over the mini-program transports,
 * end to end against the official socket.io server on loopback: `wx.connectSocket`, Alipay's
 * `my.connectSocket` and `wx.cloud.connectContainer`, each through the SocketTask emulation over real
 * WebSockets. Proves connect, binary emit with ack, reconnection after the server drops the connection
 * (never two live SocketTasks), actionable Cloud Hosting errors, and lifecycle-driven reconnection.
 */
import type { Socket as ServerSocket } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ClientError, Socket, Transport } from '../src/socketio/index';
import {
  connectContainerTransport,
  connectSocketTransport,
  io,
  miniProgramLifecycle,
} from '../src/socketio/index';
import type { MiniProgramLifecycleApi } from '../src/socketio/transports/lifecycle';
import type { TestServer } from './support/server';
import { startServer } from './support/server';
import type { SocketPool } from './support/socket-task';
import { createMyConnectSocket, createWxCloud, createWxConnectSocket } from './support/socket-task';

const NSP = '/realtime-voice';
const ENV = 'prod-e2e';

let port: number;
let server: TestServer;
const serverSockets: ServerSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  port = server.port;
  server.io.of(NSP).on('connection', (socket) => {
    serverSockets.push(socket);
    socket.on('audio', (meta: unknown, chunk: Buffer, ack: (reply: unknown) => void) => {
      // Reply with the bytes reversed so an echo of the same buffer cannot pass by accident.
      ack({
        meta,
        bytes: chunk.length,
        reversed: Buffer.from(chunk).reverse(),
        openid: socket.handshake.headers['x-wx-openid'] ?? null,
      });
    });
  });
});

afterAll(async () => {
  await server.close();
});

const pools: SocketPool[] = [];
const clients: Socket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const pool of pools.splice(0)) await pool.closeAll();
  serverSockets.length = 0;
});

function connected(socket: Socket): Promise<void> {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

function frame(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 13 + 5) & 255);
}

/** Emits binary with an ack, checks the server's reversed copy byte for byte. */
async function audioRoundTrip(socket: Socket, seq: number): Promise<Record<string, unknown>> {
  const sent = frame(3200);
  const reply = (await socket.timeout(5000).emitWithAck('audio', { seq }, sent.buffer)) as Record<
    string,
    unknown
  >;
  expect(reply.meta).toEqual({ seq });
  expect(reply.bytes).toBe(3200);
  expect(Object.prototype.toString.call(reply.reversed)).toBe('[object ArrayBuffer]');
  expect([...new Uint8Array(reply.reversed as ArrayBuffer)]).toEqual([...sent].reverse());
  return reply;
}

/** Drops the Engine.IO connection from the server side (a transport close, not a namespace kick). */
function dropConnection(): void {
  const socket = serverSockets.at(-1)!;
  socket.conn.close();
}

interface Scenario {
  readonly name: string;
  readonly make: () => { uri: string; transport: Transport; pool: SocketPool };
  readonly openid?: string;
}

const scenarios: Scenario[] = [
  {
    name: 'wx.connectSocket',
    make: () => {
      const wx = createWxConnectSocket();
      return { uri: `http://127.0.0.1:${port}${NSP}`, transport: connectSocketTransport(wx), pool: wx.pool };
    },
  },
  {
    name: 'my.connectSocket (Alipay, nested res.data.data)',
    make: () => {
      const my = createMyConnectSocket({ nestedData: true });
      return { uri: `http://127.0.0.1:${port}${NSP}`, transport: connectSocketTransport(my), pool: my.pool };
    },
  },
  {
    name: 'wx.cloud.connectContainer',
    openid: 'o-e2e-user',
    make: () => {
      const cloud = createWxCloud({
        env: ENV,
        services: { voice: `ws://127.0.0.1:${port}` },
        openid: 'o-e2e-user',
      });
      return {
        uri: NSP, // a bare namespace: connectContainer needs no URL
        transport: connectContainerTransport({ cloud, env: ENV, service: 'voice' }),
        pool: cloud.pool,
      };
    },
  },
];

describe('io() over mini-program transports, against the official socket.io server', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: connects, emits binary with an ack, reconnects after the server drops the connection`, async () => {
      const { uri, transport, pool } = scenario.make();
      pools.push(pool);
      const socket = io(uri, {
        transport,
        forceNew: true,
        reconnectionDelay: 10,
        reconnectionDelayMax: 20,
        query: { client: 'mp' },
      });
      clients.push(socket);
      await connected(socket);
      expect(serverSockets.at(-1)!.handshake.query).toMatchObject({
        EIO: '4',
        transport: 'websocket',
        client: 'mp',
      });
      const reply = await audioRoundTrip(socket, 1);
      expect(reply.openid).toBe(scenario.openid ?? null);
      expect(pool.liveCount()).toBe(1);

      const firstId = socket.id;
      const reconnected = new Promise<number>((resolve) => socket.io.once('reconnect', resolve));
      const disconnected = new Promise<string>((resolve) =>
        socket.once('disconnect', (reason) => resolve(reason)),
      );
      dropConnection();
      expect(await disconnected).toBe('transport close');
      expect(await reconnected).toBeGreaterThanOrEqual(1);
      await connected(socket);
      expect(socket.id).not.toBe(firstId);
      await audioRoundTrip(socket, 2);
      // The old SocketTask was closed before the new one opened: one live socket of the app's five.
      expect(pool.liveCount()).toBe(1);
      expect(pool.connections.length).toBe(2);
    });
  }

  it('connectContainer without wx.cloud.init(): connect_error with CLOUD_NOT_INITIALIZED', async () => {
    const cloud = createWxCloud({
      env: ENV,
      services: { voice: `ws://127.0.0.1:${port}` },
      initialized: false,
    });
    pools.push(cloud.pool);
    const socket = io(NSP, {
      transport: connectContainerTransport({ cloud, env: ENV, service: 'voice' }),
      forceNew: true,
      reconnection: false,
    });
    clients.push(socket);
    const error = await new Promise<ClientError>((resolve) =>
      socket.once('connect_error', (e) => resolve(e as ClientError)),
    );
    expect(error.code).toBe('CLOUD_NOT_INITIALIZED');
    expect(error.message).toContain('wx.cloud.init()');
  });

  it('connectContainer with a wrong service name: connect_error with SERVICE_NOT_FOUND naming it', async () => {
    const cloud = createWxCloud({ env: ENV, services: { voice: `ws://127.0.0.1:${port}` } });
    pools.push(cloud.pool);
    const socket = io(NSP, {
      transport: connectContainerTransport({ cloud, env: ENV, service: 'voise' }),
      forceNew: true,
      reconnection: false,
    });
    clients.push(socket);
    const error = await new Promise<ClientError>((resolve) =>
      socket.once('connect_error', (e) => resolve(e as ClientError)),
    );
    expect(error.code).toBe('SERVICE_NOT_FOUND');
    expect(error.message).toContain('"voise"');
  });

  it('miniProgramLifecycle: returning to the foreground reconnects at once instead of waiting out the backoff', async () => {
    const wx = createWxConnectSocket();
    pools.push(wx.pool);
    const shows = new Set<() => void>();
    const api: MiniProgramLifecycleApi = {
      onAppShow: (cb) => shows.add(cb),
      offAppShow: (cb) => shows.delete(cb),
    };
    const socket = io(`http://127.0.0.1:${port}${NSP}`, {
      transport: connectSocketTransport(wx),
      forceNew: true,
      // Far longer than the test timeout: only the lifecycle event can bring it back in time.
      reconnectionDelay: 600_000,
      reconnectionDelayMax: 600_000,
      randomizationFactor: 0,
      lifecycle: miniProgramLifecycle(api),
    });
    clients.push(socket);
    await connected(socket);
    const disconnected = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    dropConnection();
    await disconnected;
    const reconnected = new Promise<void>((resolve) => socket.io.once('reconnect', () => resolve()));
    for (const show of shows) show();
    await reconnected;
    await audioRoundTrip(socket, 3);
    socket.disconnect();
    // Closing the last socket closes the Manager, which unsubscribes: the platform listener is removed.
    expect(shows.size).toBe(0);
  });
});
