/**
 * @module socket-task.test — pins the quirks of the mini-program socket emulation itself, so transport
 * tests that pass against it are passing against the documented platform behaviour.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EchoServer, MyError, SocketPool, WxResult, WxSocketTask } from './socket-task';
import {
  createMyConnectSocket,
  createUniConnectSocket,
  createWxCloud,
  createWxConnectSocket,
  startEchoServer,
  unusedPort,
} from './socket-task';

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(async () => {
  await server.close();
});
const pools: SocketPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.closeAll();
});
function track<T extends { pool: SocketPool }>(emulation: T): T {
  pools.push(emulation.pool);
  return emulation;
}

function opened(task: { onOpen(cb: () => void): void }): Promise<void> {
  return new Promise((resolve) => task.onOpen(() => resolve()));
}

function nextMessage<T>(task: { onMessage(cb: (r: T) => void): void }): Promise<T> {
  return new Promise((resolve) => task.onMessage(resolve));
}

function sendResult(task: WxSocketTask, data: unknown): Promise<{ ok: boolean; result: WxResult }> {
  return new Promise((resolve) =>
    task.send({
      data,
      success: (result) => resolve({ ok: true, result }),
      fail: (result) => resolve({ ok: false, result }),
    }),
  );
}

describe('emulated wx.connectSocket', () => {
  it('returns the task synchronously and calls success later, never synchronously', async () => {
    const wx = track(createWxConnectSocket());
    let success: WxResult | undefined;
    const task = wx({ url: `${server.url}/`, success: (r) => (success = r) });
    expect(typeof task.onOpen).toBe('function');
    expect(success).toBeUndefined();
    await opened(task);
    expect(success).toEqual({ errMsg: 'connectSocket:ok' });
  });

  it('delivers { data } with a string or an exact ArrayBuffer (never a Buffer)', async () => {
    const wx = track(createWxConnectSocket());
    const task = wx({ url: `${server.url}/` });
    await opened(task);
    const text = nextMessage(task);
    task.send({ data: 'hi' });
    expect(await text).toEqual({ data: 'hi' });
    const binary = nextMessage(task);
    task.send({ data: new Uint8Array([1, 2, 3]).buffer });
    const { data } = await binary;
    expect(Object.prototype.toString.call(data)).toBe('[object ArrayBuffer]');
    expect(Buffer.isBuffer(data)).toBe(false);
    expect((data as ArrayBuffer).byteLength).toBe(3);
  });

  it('refuses a TypedArray, and any send before open, with the platform errMsg', async () => {
    const wx = track(createWxConnectSocket());
    const task = wx({ url: `${server.url}/` });
    // Listen for open in the same tick as connectSocket, as on the platform: awaiting first could miss it.
    const open = opened(task);
    expect(await sendResult(task, 'early')).toEqual({
      ok: false,
      result: { errMsg: 'SocketTask.send:fail SocketTask.readyState is not OPEN' },
    });
    await open;
    const typed = await sendResult(task, new Uint8Array([1]));
    expect(typed.ok).toBe(false);
    expect(typed.result.errMsg).toMatch(/^SocketTask\.send:fail parameter error.*Uint8Array/);
    expect((await sendResult(task, 'fine')).ok).toBe(true);
  });

  it('validates close codes and the 123-byte reason; reports the close code and reason', async () => {
    const wx = track(createWxConnectSocket());
    const task = wx({ url: `${server.url}/` });
    await opened(task);
    const badCode = await new Promise<WxResult>((resolve) => task.close({ code: 1001, fail: resolve }));
    expect(badCode.errMsg).toMatch(/^SocketTask\.close:fail/);
    const longReason = await new Promise<WxResult>((resolve) =>
      task.close({ reason: 'é'.repeat(62), fail: resolve }),
    );
    expect(longReason.errMsg).toMatch(/123/);
    const closed = new Promise((resolve) => task.onClose(resolve));
    task.close({ code: 4000, reason: 'done' });
    expect(await closed).toEqual({ code: 4000, reason: 'done' });
  });

  it('drops Referer, allows 5 live sockets and fails the 6th with "exceed max task count"', async () => {
    const wx = track(createWxConnectSocket());
    const tasks = Array.from({ length: 5 }, () =>
      wx({ url: `${server.url}/`, header: { Referer: 'x', 'x-a': '1' } }),
    );
    await Promise.all(tasks.map(opened));
    expect(server.upgrades.at(-1)!.headers).toMatchObject({ 'x-a': '1' });
    expect(server.upgrades.at(-1)!.headers.referer).toBeUndefined();
    const sixth = await new Promise<WxResult>((resolve) => wx({ url: `${server.url}/`, fail: resolve }));
    expect(sixth).toEqual({ errMsg: 'connectSocket:fail exceed max task count' });
    tasks[0]!.close();
    await wx.pool.connections[0]!.closed;
    expect(wx.pool.liveCount()).toBe(4);
  });

  it('reports a refused connection as onError "connectSocket:fail …" then onClose 1006', async () => {
    const wx = track(createWxConnectSocket());
    const task = wx({ url: `ws://127.0.0.1:${await unusedPort()}/` });
    const events: unknown[] = [];
    await new Promise<void>((resolve) => {
      task.onError((r) => events.push(r));
      task.onClose((r) => {
        events.push(r);
        resolve();
      });
    });
    expect(events).toEqual([
      { errMsg: expect.stringMatching(/^connectSocket:fail .*ECONNREFUSED/) },
      { code: 1006, reason: '' },
    ]);
  });

  it('rejects a non-ws URL through fail', async () => {
    const wx = track(createWxConnectSocket());
    const fail = await new Promise<WxResult>((resolve) => wx({ url: 'https://example.com', fail: resolve }));
    expect(fail.errMsg).toMatch(/^connectSocket:fail invalid url/);
  });
});

describe('emulated uni.connectSocket', () => {
  it('returns a Promise without callbacks, the task with any callback', async () => {
    const uni = track(createUniConnectSocket());
    await expect(uni({ url: `${server.url}/` })).resolves.toEqual({ errMsg: 'connectSocket:ok' });
    const task = uni({ url: `${server.url}/`, complete: () => undefined }) as WxSocketTask;
    await opened(task);
  });
});

describe('emulated my.connectSocket (Alipay)', () => {
  it('returns no task without multiple: true', () => {
    const my = track(createMyConnectSocket());
    expect(my({ url: `${server.url}/` })).toBeUndefined();
    expect(my.pool.connections).toEqual([]);
  });

  it('sends base64 with isBuffer, delivers { data, isBuffer } (nested on request), refuses raw ArrayBuffers', async () => {
    const my = track(createMyConnectSocket());
    const task = my({ url: `${server.url}/`, multiple: true })!;
    await opened(task);
    const text = nextMessage(task);
    task.send({ data: 'hi' });
    expect(await text).toEqual({ data: 'hi', isBuffer: false });
    const binary = nextMessage(task);
    task.send({ data: 'AQID', isBuffer: true });
    expect(await binary).toEqual({ data: 'AQID', isBuffer: true });
    const refused = await new Promise<MyError>((resolve) =>
      task.send({ data: new Uint8Array([1]).buffer, fail: resolve }),
    );
    expect(refused.error).toBe(2);

    const nested = track(createMyConnectSocket({ nestedData: true, acceptArrayBuffer: true }));
    const other = nested({ url: `${server.url}/`, multiple: true })!;
    await opened(other);
    const message = nextMessage(other);
    other.send({ data: new Uint8Array([1, 2, 3]).buffer });
    expect(await message).toEqual({ data: { data: 'AQID', isBuffer: true } });
  });

  it('errors with { error, errorMessage }: error 10 when not open, bad close codes refused', async () => {
    const my = track(createMyConnectSocket());
    const task = my({ url: `${server.url}/`, multiple: true })!;
    const open = opened(task);
    const early = await new Promise<MyError>((resolve) => task.send({ data: 'x', fail: resolve }));
    expect(early.error).toBe(10);
    await open;
    const badClose = await new Promise<MyError>((resolve) => task.close({ code: 1001, fail: resolve }));
    expect(badClose.errorMessage).toMatch(/1000 or in 3000-4999/);
  });
});

describe('emulated wx.cloud', () => {
  it('connectContainer resolves { socketTask } (or calls success), injecting identity headers', async () => {
    const cloud = createWxCloud({ env: 'e1', services: { svc: server.url }, openid: 'o-1', appid: 'wx1' });
    pools.push(cloud.pool);
    const { socketTask, errMsg } = (await cloud.connectContainer!({
      config: { env: 'e1' },
      service: 'svc',
      path: '/p?q=1',
    }))!;
    expect(errMsg).toBe('cloud.connectContainer:ok');
    await opened(socketTask);
    expect(server.upgrades.at(-1)!.url).toBe('/p?q=1');
    expect(server.upgrades.at(-1)!.headers).toMatchObject({
      'x-wx-openid': 'o-1',
      'x-wx-appid': 'wx1',
      'x-wx-env': 'e1',
    });
    const viaCallback = await new Promise<WxSocketTask>((resolve) => {
      const returned = cloud.connectContainer!({
        config: { env: 'e1' },
        service: 'svc',
        path: '/',
        success: (r) => resolve(r.socketTask),
      });
      expect(returned).toBeUndefined();
    });
    await opened(viaCallback);
  });

  it('fails like the platform: not initialised, wrong env, unknown service; missing below 2.21.1', async () => {
    const fail = (cloud: ReturnType<typeof createWxCloud>, env: string, service: string) =>
      cloud.connectContainer!({ config: { env }, service, path: '/' })!.then(
        () => undefined,
        (e: { errCode: number; errMsg: string }) => e,
      );
    const uninit = createWxCloud({ env: 'e1', services: { svc: server.url }, initialized: false });
    expect((await fail(uninit, 'e1', 'svc'))!.errMsg).toContain(
      "Cloud API isn't enabled, please call wx.cloud.init first",
    );
    const cloud = createWxCloud({ env: 'e1', services: { svc: server.url } });
    expect((await fail(cloud, 'e2', 'svc'))!.errMsg).toContain('env check invalid');
    expect(await fail(cloud, 'e1', 'nope')).toEqual({
      errCode: -501000,
      errMsg: 'cloud.connectContainer:fail Error: errCode: -501000 | errMsg: Invalid host',
    });
    expect(
      createWxCloud({ env: 'e1', services: {}, baseLibrary: '2.21.0' }).connectContainer,
    ).toBeUndefined();
    expect(typeof createWxCloud({ env: 'e1', services: {}, baseLibrary: '2.21.1' }).connectContainer).toBe(
      'function',
    );
  });
});
