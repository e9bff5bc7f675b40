/**
 * @module connect-container.test — connectContainerTransport over the emulated `wx.cloud` (real
 * WebSockets to loopback "containers"): a raw `ws` server and the official socket.io server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  EchoServer,
  OfficialServer,
  RecordingListener,
  SocketPool,
  WxCloudOptions,
} from '../../../test/support/socket-task';
import {
  createSocketPool,
  createWxCloud,
  recordingListener,
  startEchoServer,
  startOfficialServer,
  unusedPort,
} from '../../../test/support/socket-task';
import type { ClientError, ClientErrorCode } from '../errors';
import type { CloudLike } from './connect-container';
import { connectContainerTransport, containerError } from './connect-container';

const ENV = 'prod-1a2b3c';
const PATH = '/socket.io/?EIO=4&transport=websocket&token=t%2F1';

const pools: SocketPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.closeAll();
});

function cloudFor(options: Omit<WxCloudOptions, 'env'> & { env?: string }) {
  const cloud = createWxCloud({ env: ENV, ...options });
  pools.push(cloud.pool);
  return cloud;
}

function errors(listener: RecordingListener): ClientError[] {
  return listener.events.flatMap((e) => (e.type === 'error' ? [e.error] : []));
}

async function failure(cloud: CloudLike | undefined, service = 'voice', env: string | undefined = ENV) {
  const listener = recordingListener();
  const transport = connectContainerTransport({ cloud, env, service });
  expect(() => transport.open({ url: undefined, path: PATH }, listener)).not.toThrow();
  // Reported asynchronously, never from inside open().
  expect(listener.events).toEqual([]);
  await listener.closed;
  expect(listener.events.map((e) => e.type)).toEqual(['error', 'close']);
  return errors(listener)[0]!;
}

describe('connectContainerTransport — raw container', () => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('calls connectContainer with env, service, request.path and headers; identity headers reach the container', async () => {
    const cloud = cloudFor({ services: { voice: server.url }, openid: 'o-user-1', appid: 'wx-app' });
    const listener = recordingListener();
    const transport = connectContainerTransport({
      cloud,
      env: ENV,
      service: 'voice',
      header: { 'x-client': 'mp' },
    });
    expect(transport.name).toBe('connectContainer');
    const connection = transport.open({ url: undefined, path: PATH }, listener);
    await listener.opened;
    expect(cloud.requests).toEqual([
      { env: ENV, service: 'voice', path: PATH, header: { 'x-client': 'mp', 'X-WX-SERVICE': 'voice' } },
    ]);
    const seen = server.upgrades.at(-1)!;
    expect(seen.url).toBe(PATH);
    expect(seen.headers).toMatchObject({
      'x-wx-openid': 'o-user-1',
      'x-wx-appid': 'wx-app',
      'x-client': 'mp',
    });

    connection.send('text ✓');
    expect(await listener.nextMessage()).toBe('text ✓');
    const frame = new Uint8Array(4096).map((_, i) => (i * 29) & 255);
    connection.send(frame.buffer);
    expect([...new Uint8Array((await listener.nextMessage()) as ArrayBuffer)]).toEqual([...frame]);

    connection.send('!close 4010 container going away');
    expect(await listener.closed).toEqual({ code: 4010, reason: 'container going away' });
    expect(errors(listener)).toEqual([]);
  });

  it('without env, relies on wx.cloud.init({ env }) and sends no config', async () => {
    const cloud = cloudFor({ services: { voice: server.url }, initialized: false });
    cloud.init({ env: ENV });
    const calls: unknown[] = [];
    const spy: CloudLike = {
      connectContainer: (options) => {
        calls.push(options);
        return cloud.connectContainer!(options);
      },
    };
    const listener = recordingListener();
    const connection = connectContainerTransport({ cloud: spy, service: 'voice' }).open(
      { url: undefined, path: '/' },
      listener,
    );
    await listener.opened;
    expect(calls).toEqual([{ service: 'voice', path: '/', header: { 'X-WX-SERVICE': 'voice' } }]);
    connection.close();
  });

  it('H5 cloud.Cloud: the service travels as the X-WX-SERVICE header', async () => {
    const cloud = cloudFor({ services: { voice: server.url }, h5: true });
    const listener = recordingListener();
    const connection = connectContainerTransport({ cloud, env: ENV, service: 'voice' }).open(
      { url: undefined, path: PATH },
      listener,
    );
    await listener.opened;
    expect(server.upgrades.at(-1)!.headers['x-wx-service']).toBe('voice');
    connection.close();
  });

  it('close() before the Promise resolves: the task is closed when it arrives, nothing is reported', async () => {
    const cloud = cloudFor({ services: { voice: server.url } });
    const listener = recordingListener();
    connectContainerTransport({ cloud, env: ENV, service: 'voice' })
      .open({ url: undefined, path: PATH }, listener)
      .close();
    // The emulated gateway answers on a later tick; the task it creates must be closed at once.
    const closedConnection = (await cloud.pool.nextConnection()).closed;
    await closedConnection;
    expect(cloud.pool.liveCount()).toBe(0);
    expect(listener.events).toEqual([]);
  });

  it('a refused WebSocket (container down) is TRANSPORT_ERROR with the platform message', async () => {
    const cloud = cloudFor({ services: { voice: `ws://127.0.0.1:${await unusedPort()}` } });
    const error = await failure(cloud);
    expect(error.code).toBe('TRANSPORT_ERROR');
    expect(error.message).toMatch(/connectSocket:fail .*ECONNREFUSED/);
  });

  it('maps the platform failures to actionable codes', async () => {
    const notInit = await failure(cloudFor({ services: { voice: server.url }, initialized: false }));
    expect(notInit.code).toBe('CLOUD_NOT_INITIALIZED');
    expect(notInit.message).toContain('wx.cloud.init()');
    expect(notInit.message).toContain("Cloud API isn't enabled");

    const wrongService = await failure(cloudFor({ services: { voice: server.url } }), 'voic');
    expect(wrongService.code).toBe('SERVICE_NOT_FOUND');
    expect(wrongService.message).toContain('"voic"');
    expect(wrongService.message).toContain('Invalid host');

    const wrongEnv = await failure(cloudFor({ services: { voice: server.url } }), 'voice', 'prod-typo');
    expect(wrongEnv.code).toBe('SERVICE_NOT_FOUND');
    expect(wrongEnv.message).toContain('"prod-typo"');

    const tooOld = await failure(cloudFor({ services: { voice: server.url }, baseLibrary: '2.20.3' }));
    expect(tooOld.code).toBe('BASE_LIBRARY_TOO_OLD');
    expect(tooOld.message).toContain('2.21.1');

    expect((await failure(undefined)).code).toBe('TRANSPORT_UNAVAILABLE');
    expect((await failure(cloudFor({ services: {} }), '')).code).toBe('SERVICE_NOT_FOUND');
    const callbacksOnly: CloudLike = { connectContainer: () => undefined };
    expect((await failure(callbacksOnly)).code).toBe('TRANSPORT_ERROR');
    const throwing: CloudLike = {
      connectContainer: () => {
        throw new Error("Cloud API isn't enabled, please call wx.cloud.init first");
      },
    };
    expect((await failure(throwing)).code).toBe('CLOUD_NOT_INITIALIZED');
  });

  it('shares the app-wide 5-socket budget with connectSocket', async () => {
    const pool = createSocketPool(1);
    const cloud = cloudFor({ services: { voice: server.url }, pool });
    const first = recordingListener();
    const connection = connectContainerTransport({ cloud, env: ENV, service: 'voice' }).open(
      { url: undefined, path: '/' },
      first,
    );
    await first.opened;
    const error = await failure(cloud);
    expect(error.message).toContain('exceed max task count');
    connection.close();
  });
});

describe('containerError — real-world failure texts', () => {
  // Texts as reported by developers (see connect-container.ts for sources); codes as documented.
  const cases: Array<[unknown, ClientErrorCode]> = [
    [
      {
        errCode: -1,
        errMsg:
          "cloud.callFunction:fail Error: errMsg: Cloud API isn't enabled, please call wx.cloud.init first",
      },
      'CLOUD_NOT_INITIALIZED',
    ],
    [new Error('请先调用 wx.cloud.init() 完成初始化后再调用其他云 API。'), 'CLOUD_NOT_INITIALIZED'],
    [
      { errMsg: 'cloud.callContainer:fail Error: errCode: -501000 | errMsg: Invalid host' },
      'SERVICE_NOT_FOUND',
    ],
    [{ errMsg: 'INVALID_HOST' }, 'SERVICE_NOT_FOUND'],
    [{ errCode: -601031, errMsg: 'cloud.connectContainer:fail' }, 'SERVICE_NOT_FOUND'],
    [
      { errMsg: 'errCode: -501000 | errMsg: [100003] Param Invalid: env check invalid be filterd' },
      'SERVICE_NOT_FOUND',
    ],
    [{ errCode: -601027, errMsg: 'Environment not found' }, 'SERVICE_NOT_FOUND'],
    [
      { errMsg: 'cloud.callFunction:fail Error: errCode: -601002 | errMsg: env not exists' },
      'SERVICE_NOT_FOUND',
    ],
    [new TypeError('wx.cloud.connectContainer is not a function'), 'BASE_LIBRARY_TOO_OLD'],
    [{ errMsg: 'cloud.callContainer:fail Error: errCode: 102002 | errMsg: 请求超时' }, 'TRANSPORT_ERROR'],
    ['connectContainer:fail timeout', 'TRANSPORT_ERROR'],
  ];
  it.each(cases)('%o → %s', (failureValue, code) => {
    const error = containerError(failureValue, 'voice', ENV);
    expect(error.code).toBe(code);
    expect(error.data).toBe(failureValue);
  });
});

describe('connectContainerTransport — official socket.io server', () => {
  let server: OfficialServer;
  beforeAll(async () => {
    server = await startOfficialServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('Engine.IO open packet, request.path (EIO=4, transport, custom query) reaches the server, binary ack round-trips', async () => {
    const cloud = cloudFor({ services: { voice: `ws://127.0.0.1:${server.port}` }, openid: 'o-42' });
    const listener = recordingListener();
    const connection = connectContainerTransport({ cloud, env: ENV, service: 'voice' }).open(
      { url: undefined, path: PATH },
      listener,
    );
    await listener.opened;
    expect(await listener.nextMessage()).toMatch(/^0\{"sid":"[^"]+"/);
    const seen = new URL(server.engineUrls.at(-1)!, 'http://x');
    expect(Object.fromEntries(seen.searchParams)).toEqual({ EIO: '4', transport: 'websocket', token: 't/1' });
    expect(server.engineHeaders.at(-1)!['x-wx-openid']).toBe('o-42');

    connection.send('40/realtime-voice,');
    expect(await listener.nextMessage()).toMatch(/^40\/realtime-voice,\{"sid":"/);
    const frame = new Uint8Array(3200).map((_, i) => (i * 7 + 3) & 255);
    connection.send('451-/realtime-voice,9["echo",{"_placeholder":true,"num":0}]');
    connection.send(frame.buffer);
    expect(await listener.nextMessage()).toBe('461-/realtime-voice,9[{"_placeholder":true,"num":0}]');
    expect([...new Uint8Array((await listener.nextMessage()) as ArrayBuffer)]).toEqual([...frame]);
    connection.close();
    await cloud.pool.connections[0]!.closed;
    expect(listener.events.filter((e) => e.type === 'close')).toEqual([]);
  });
});
