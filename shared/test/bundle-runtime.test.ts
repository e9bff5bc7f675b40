/**
 * @module bundle-runtime.test — the bundled client runs where mini-program code runs (issue 2), and stays
 * within its size budget (SPEC §3).
 *
 * The bundle is loaded in a bare `node:vm` context (see test/support/bundle.ts) with `Function` and
 * `eval` poisoned, then talks to the real official `socket.io` server on loopback through
 * `connectSocketTransport(wx.connectSocket)` and `connectContainerTransport({ cloud: wx.cloud })`, where
 * `wx` is the SocketTask emulation over real WebSockets (test/support/socket-task.ts). The same harness
 * must reject socket.io-client's bundle — otherwise it proves nothing.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BundleFormat, BundleResult, BundleSubject } from '../scripts/bundle';
import { bundleClient, IIFE_GLOBAL_NAME } from '../scripts/bundle';
import type { MiniProgramContext } from './support/bundle';
import {
  bridgeCloud,
  bridgeConnectSocket,
  createMiniProgramContext,
  POISONED_MESSAGE,
  presentForbiddenGlobals,
} from './support/bundle';
import { createWxCloud, createWxConnectSocket } from './support/socket-task';

const NAMESPACE = '/realtime-voice';
const FRAME_BYTES = 3200; // 100 ms of 16 kHz mono PCM16: the audio frame the product sends

// Each bundle is built once per run, on first use, so a failure to build ours does not hide the peer's tests.
const bundles = new Map<string, Promise<BundleResult>>();
function getBundle(subject: BundleSubject, format: BundleFormat): Promise<BundleResult> {
  const key = `${subject}:${format}`;
  let pending = bundles.get(key);
  if (!pending) {
    pending = bundleClient(subject, format);
    bundles.set(key, pending);
  }
  return pending;
}

/** Sum of bytes mod 2^32: cheap and order-sensitive enough to catch a mangled frame. */
function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum * 31 + bytes[i]!) >>> 0;
  return sum;
}

describe('the mini-program vm harness', () => {
  it('holds none of the globals mini-programs lack, and refuses code generation', () => {
    const mp = createMiniProgramContext({ wx: {} });
    try {
      expect(presentForbiddenGlobals(mp)).toEqual([]);
      for (const attempt of [
        'Function("return this")()',
        'new Function("return 1")',
        'eval("1")',
        '(function () {}).constructor("return this")()',
        '(async function () {}).constructor("return 1")',
      ]) {
        expect(() => mp.run(attempt, 'attempt.js'), attempt).toThrow(
          /code generation from strings|Code generation from strings disallowed/,
        );
      }
      // What mini-program code does have still works.
      expect(
        mp.run(
          'typeof setTimeout + typeof clearInterval + typeof Promise + typeof DataView + typeof wx',
          'have.js',
        ),
      ).toBe('functionfunctionfunctionfunctionobject');
      expect(mp.run('typeof setTimeout(() => {}, 1)', 'timer.js')).toBe('number');
    } finally {
      mp.dispose();
    }
  });

  it("rejects socket.io-client's bundle: it finds the global object with Function('return this')", async () => {
    const peer = await getBundle('socket.io-client', 'iife');
    expect(peer.code).toContain('return this');
    const mp = createMiniProgramContext({ wx: {} });
    try {
      expect(() => mp.run(peer.code, 'socket.io-client.iife.js')).toThrow(POISONED_MESSAGE);
    } finally {
      mp.dispose();
    }
  });

  it('control: the same socket.io-client bundle loads once code generation is allowed', async () => {
    // Shows the rejection above is caused by the Function constructor, not by some other harness gap.
    const peer = await getBundle('socket.io-client', 'iife');
    const mp = createMiniProgramContext({ wx: {}, poisonFunction: false });
    try {
      mp.run(peer.code, 'socket.io-client.iife.js');
      expect(mp.run(`typeof ${IIFE_GLOBAL_NAME}.io + typeof ${IIFE_GLOBAL_NAME}.Manager`, 'probe.js')).toBe(
        'functionfunction',
      );
    } finally {
      mp.dispose();
    }
  });
});

describe('our bundle in a bare mini-program context', () => {
  let io: Server;
  let port = 0;
  const received: { bytes: number; checksum: number; meta: unknown; openid: unknown }[] = [];

  beforeAll(async () => {
    const httpServer = createServer();
    io = new Server(httpServer, { serveClient: false, transports: ['websocket'] });
    io.of(NAMESPACE).use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown }).token;
      next(token === 'vm-token' ? undefined : new Error('unauthorized'));
    });
    io.of(NAMESPACE).on('connection', (socket) => {
      socket.on('audio', (meta: unknown, frame: Buffer, ack: (reply: unknown) => void) => {
        const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
        received.push({
          bytes: frame.byteLength,
          checksum: checksum(bytes),
          meta,
          openid: socket.handshake.headers['x-wx-openid'],
        });
        // Echo the frame reversed, so the reply's binary is provably a different buffer.
        const reversed = Buffer.from(bytes).reverse();
        ack({ ok: true, bytes: frame.byteLength, checksum: checksum(bytes), echo: reversed });
      });
    });
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    port = (httpServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await io?.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  /**
   * The scenario runs inside the context so every value it touches (typed arrays, promises, errors)
   * belongs to the mini-program realm, as on a device: connect, emit a binary frame with an ack, check the
   * binary reply, disconnect. `setup` is JS run first; `ioArgs` the arguments of `io(...)`.
   */
  async function runScenario(
    mp: MiniProgramContext,
    setup: string,
    ioArgs: string,
  ): Promise<Record<string, unknown>> {
    const ours = await getBundle('ours', 'iife');
    mp.run(ours.code, 'socketio.iife.js');
    const scenario = `(async () => {
      const { io, connectSocketTransport, connectContainerTransport, ClientError } = ${IIFE_GLOBAL_NAME};
      ${setup}
      const socket = io(${ioArgs});
      try {
        await new Promise((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        const frame = new Uint8Array(${FRAME_BYTES});
        for (let i = 0; i < frame.length; i++) frame[i] = (i * 7 + 3) & 255;
        const reply = await socket.timeout(5000).emitWithAck('audio', { seq: 1, codec: 'pcm16' }, frame.buffer);
        const echo = reply.echo;
        const echoBytes = echo instanceof ArrayBuffer ? new Uint8Array(echo) : new Uint8Array(0);
        let reversedMatches = echoBytes.length === frame.length;
        for (let i = 0; reversedMatches && i < frame.length; i++) {
          reversedMatches = echoBytes[i] === frame[frame.length - 1 - i];
        }
        return JSON.stringify({
          connected: socket.connected,
          idIsString: typeof socket.id === 'string',
          ok: reply.ok,
          bytes: reply.bytes,
          serverChecksum: reply.checksum,
          echoIsArrayBuffer: echo instanceof ArrayBuffer,
          reversedMatches,
          clientErrorIsError: new ClientError('PARSE_ERROR', 'x') instanceof Error,
        });
      } finally {
        socket.disconnect();
      }
    })()`;
    return JSON.parse(String(await (mp.run(scenario, 'scenario.js') as Promise<unknown>))) as Record<
      string,
      unknown
    >;
  }

  const sent = new Uint8Array(FRAME_BYTES).map((_, i) => (i * 7 + 3) & 255);
  const expectedResult = {
    connected: true,
    idIsString: true,
    ok: true,
    bytes: FRAME_BYTES,
    serverChecksum: checksum(sent),
    echoIsArrayBuffer: true,
    reversedMatches: true,
    clientErrorIsError: true,
  };

  it('contains no eval, Function constructor, or platform global lookups', async () => {
    const ours = await getBundle('ours', 'esm');
    expect(ours.code).not.toMatch(/\beval\s*\(|\bFunction\s*\(/);
    expect(ours.code).not.toMatch(/\b(window|self|document|process|require)\s*[.[]/);
  });

  it('connects through connectSocketTransport(wx.connectSocket), emits binary with an ack, gets the reply', async () => {
    const mp = createMiniProgramContext();
    const emulation = createWxConnectSocket();
    mp.context.wx = { connectSocket: bridgeConnectSocket(mp, emulation) };
    try {
      const result = await runScenario(
        mp,
        '',
        `'http://127.0.0.1:${port}${NAMESPACE}', {
          transport: connectSocketTransport(wx.connectSocket),
          auth: { token: 'vm-token' },
          reconnection: false,
        }`,
      );
      expect(result).toEqual(expectedResult);
      expect(received).toEqual([
        { bytes: FRAME_BYTES, checksum: checksum(sent), meta: { seq: 1, codec: 'pcm16' }, openid: undefined },
      ]);
      // One task opened, through the emulation, with the Engine.IO query; and the client closed it.
      expect(emulation.pool.connections).toHaveLength(1);
      const { url, closed } = emulation.pool.connections[0]!;
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?/);
      expect(url).toContain('EIO=4');
      expect(url).toContain('transport=websocket');
      await closed;
    } finally {
      mp.dispose();
      await emulation.pool.closeAll();
    }
  });

  it('also runs where there is no globalThis (iOS JavaScriptCore before 12.2)', async () => {
    const mp = createMiniProgramContext({ withoutGlobalThis: true });
    const emulation = createWxConnectSocket();
    mp.context.wx = { connectSocket: bridgeConnectSocket(mp, emulation) };
    try {
      expect(mp.run('typeof globalThis', 'probe.js')).toBe('undefined');
      const result = await runScenario(
        mp,
        '',
        `'http://127.0.0.1:${port}${NAMESPACE}', {
          transport: connectSocketTransport(wx.connectSocket),
          auth: { token: 'vm-token' },
          reconnection: false,
        }`,
      );
      expect(result).toEqual(expectedResult);
      await emulation.pool.connections[0]!.closed;
    } finally {
      mp.dispose();
      await emulation.pool.closeAll();
    }
  });

  it('connects through connectContainerTransport({ cloud: wx.cloud }) with a bare namespace', async () => {
    const mp = createMiniProgramContext();
    const cloud = createWxCloud({
      env: 'prod-vm',
      services: { voice: `ws://127.0.0.1:${port}` },
      openid: 'o-vm-user',
      initialized: false,
    });
    mp.context.wx = { cloud: bridgeCloud(mp, cloud) };
    try {
      const result = await runScenario(
        mp,
        `wx.cloud.init({ env: 'prod-vm' });`,
        `'${NAMESPACE}', {
          transport: connectContainerTransport({ cloud: wx.cloud, env: 'prod-vm', service: 'voice' }),
          auth: { token: 'vm-token' },
          reconnection: false,
        }`,
      );
      expect(result).toEqual(expectedResult);
      // Cloud Hosting's identity header reached the server: the container path was really taken.
      expect(received).toEqual([
        {
          bytes: FRAME_BYTES,
          checksum: checksum(sent),
          meta: { seq: 1, codec: 'pcm16' },
          openid: 'o-vm-user',
        },
      ]);
      expect(cloud.requests).toHaveLength(1);
      expect(cloud.requests[0]).toMatchObject({ env: 'prod-vm', service: 'voice' });
      expect(cloud.requests[0]!.path).toMatch(/^\/socket\.io\/\?EIO=4&transport=websocket/);
      await cloud.pool.connections[0]!.closed;
    } finally {
      mp.dispose();
      await cloud.pool.closeAll();
    }
  });

  /*
   * Size. The target is ≤ 50% of socket.io-client's `{ io, Manager, Socket }` min+gz. What an
   * H5 / Node app ships (`webSocketTransport`) meets it, and that is asserted as the budget. What a Cloud
   * Hosting mini-program ships (56.4%) and the whole index (66.7%) do not (docs/decisions/0013): they
   * are ratchets at today's sizes (esbuild is pinned, so the build is deterministic), which fail on any
   * regression and get tightened with every size win. They are not the target and must not be loosened.
   */
  const SIZE_LIMITS = [
    {
      what: '{ io, Manager, Socket, webSocketTransport }',
      exports: ['io', 'Manager', 'Socket', 'webSocketTransport'],
      max: 0.5,
    },
    {
      what: '{ io, Manager, Socket, connectContainerTransport }',
      exports: ['io', 'Manager', 'Socket', 'connectContainerTransport'],
      max: 0.564,
    },
    { what: 'the whole public index', exports: undefined, max: 0.668 },
  ] as const;
  for (const { what, exports, max } of SIZE_LIMITS) {
    it(`${what} stays within ${(max * 100).toFixed(1)}% of socket.io-client { io, Manager, Socket } min+gz (target 50%)`, async () => {
      const [ours, peer] = await Promise.all([
        exports ? bundleClient('ours', 'esm', { exports }) : getBundle('ours', 'esm'),
        getBundle('socket.io-client', 'esm'),
      ]);
      const ratio = ours.gzip / peer.gzip;
      console.info(
        `bundle min+gz (${what}): ours ${ours.gzip} B (min ${ours.raw} B), socket.io-client ${peer.gzip} B (min ${peer.raw} B), ratio ${(ratio * 100).toFixed(1)}%`,
      );
      expect(peer.gzip).toBeGreaterThan(10_000); // sanity: the peer really was bundled
      expect(ratio).toBeLessThanOrEqual(max);
    });
  }
});
