/**
 * @module socket-task — mini-program socket APIs emulated over REAL WebSockets (the `ws` package), for tests.
 *
 * One emulation, reused by every test that needs `wx.connectSocket`, `uni.connectSocket`,
 * `my.connectSocket` or `wx.cloud.connectContainer`. Each SocketTask wraps a real `ws` client, so frames
 * really cross a loopback socket. What it reproduces (vendor docs, † = community reports or our choice
 * where nothing is documented):
 *
 * - WeChat: `connectSocket` returns the task synchronously; callbacks (`success`/`fail`/`complete`, send and
 *   close results) are delivered asynchronously (next macrotask) like the real runtime; `onOpen` →
 *   `{ header, profile }`, `onMessage` → `{ data: string | ArrayBuffer }` (ArrayBuffer, never a Buffer),
 *   `onClose` → `{ code, reason }`, `onError` → `{ errMsg }`; `send({ data })` accepts only a string or an
 *   ArrayBuffer (a TypedArray fails with a parameter error); sending when not open fails with
 *   `SocketTask.send:fail SocketTask.readyState is not OPEN`†; at most 5 live sockets, the 6th fails with
 *   `connectSocket:fail exceed max task count` (the devtools' text); `close` reason ≤ 123 UTF-8 bytes and
 *   code 1000 or 3000–4999† (the WebSocket client rule); registering a handler twice replaces it†;
 *   `Referer` headers are dropped; connect failures → `onError({ errMsg: 'connectSocket:fail …' })` then
 *   `onClose({ code: 1006 })`†; closing while connecting → `onClose({ code: 1006 })` (browser rule)†.
 * - uni-app: returns the task only when `success`/`fail`/`complete` is passed, otherwise a Promise of the
 *   success result (the socket still opens, unreachable — the real trap). H5 option: `onClose` gives `{}`.
 * - Alipay: a task only with `multiple: true` (otherwise `undefined`, global-socket mode is not emulated);
 *   binary sent as base64 with `isBuffer: true` (ArrayBuffer only with `acceptArrayBuffer`, like clients
 *   ≥ 10.5.16†); `onMessage` → `{ data, isBuffer }` (base64 when binary), or nested `{ data: { data,
 *   isBuffer } }` with `nestedData`†; failures are `{ error, errorMessage }`; sending when not open is
 *   error 10; close code must be 1000 or 3000–4999†.
 * - Douyin-like `closeBeforeReadyIsNoop`: `close()` before the connect `success` callback is ignored.
 * - `wx.cloud`: `connectContainer` returns a Promise of `{ socketTask }` unless callbacks are passed;
 *   missing when `baseLibrary` < 2.21.1; fails with "Cloud API isn't enabled" before `init()`, with the
 *   env-check and "Invalid host" texts reported for callContainer when env or service is wrong; injects
 *   `x-wx-openid` / `x-wx-appid` / `x-wx-env` / `x-wx-source` into the upgrade request like Cloud Hosting.
 */

import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket as ServerSocket, Server as SocketIoServer } from 'socket.io';
import type { RawData } from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { ClientError } from '../../src/socketio/errors';
import type { TransportCloseDetails, TransportListener } from '../../src/socketio/transports/transport';
import { startServer } from './server';

/** A vendor callback result. */
export interface WxResult {
  readonly errMsg: string;
}

/** Alipay failure shape. */
export interface MyError {
  readonly error: number;
  readonly errorMessage: string;
}

type Callback<T> = (result: T) => void;

/** Arguments of the emulated `connectSocket` (union of the vendors' options). */
export interface EmulatedConnectOptions {
  url: string;
  header?: Record<string, string>;
  protocols?: string[];
  multiple?: boolean;
  success?: Callback<WxResult>;
  fail?: Callback<WxResult>;
  complete?: Callback<WxResult>;
}

/** One real connection made by the emulation, for assertions. */
export interface EmulatedConnection {
  readonly url: string;
  /** Headers sent on the upgrade request (after the platform's additions). */
  readonly headers: Readonly<Record<string, string>>;
  /** Resolves when the underlying WebSocket is fully closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** True while the underlying WebSocket is not closed. */
  readonly live: boolean;
}

/** Shared by the sockets of one emulated app: the 5-socket limit counts all of them. */
export interface SocketPool {
  readonly max: number;
  readonly connections: EmulatedConnection[];
  /** Sockets not closed yet. */
  liveCount(): number;
  /** Resolves once every socket of the pool is closed (closing any that are not). */
  closeAll(): Promise<void>;
  /** Resolves with the next connection the pool creates after this call. */
  nextConnection(): Promise<EmulatedConnection>;
}

/** Options of the emulations. */
export interface EmulatorOptions {
  /** Concurrent socket limit (WeChat, Alipay, Douyin: 5). */
  readonly maxSockets?: number;
  /** Share the limit with another emulation of the same app (e.g. connectSocket and connectContainer). */
  readonly pool?: SocketPool;
  /** Headers the platform adds to every upgrade request. */
  readonly injectHeaders?: Record<string, string>;
  /** Douyin quirk: `close()` before the connect `success` callback does nothing. */
  readonly closeBeforeReadyIsNoop?: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

interface CoreHandlers {
  open?: (header: Record<string, string>) => void;
  text?: (data: string) => void;
  binary?: (data: ArrayBuffer) => void;
  error?: (message: string, whileConnecting: boolean) => void;
  close?: (code: number, reason: string) => void;
}

interface PoolInternals extends SocketPool {
  readonly cores: Set<SocketCore>;
  readonly waiters: Array<(connection: EmulatedConnection) => void>;
}

/** Next macrotask, like the mini-program runtime delivering callbacks from native code. */
function later(fn: () => void): void {
  setTimeout(fn, 0);
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

function rawToBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (isArrayBuffer(data)) return Buffer.from(data);
  return data;
}

/** An ArrayBuffer holding exactly the bytes (not a Buffer, not a view into a pooled slab). */
function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

/** Creates a socket pool (the app's 5-socket budget). */
export function createSocketPool(max = 5): SocketPool {
  const cores = new Set<SocketCore>();
  const pool: PoolInternals = {
    max,
    cores,
    waiters: [],
    connections: [],
    nextConnection() {
      return new Promise((resolve) => pool.waiters.push(resolve));
    },
    liveCount: () => cores.size,
    async closeAll() {
      const pending = pool.connections.map((c) => c.closed);
      for (const core of [...cores]) core.terminate();
      await Promise.all(pending);
    },
  };
  return pool;
}

function internals(pool: SocketPool): PoolInternals {
  return pool as PoolInternals;
}

/** One real `ws` client, vendor-neutral. Vendor task classes adapt its events to their envelopes. */
class SocketCore {
  readyState = CONNECTING;
  handlers: CoreHandlers = {};
  readonly record: EmulatedConnection;
  private readonly ws: WebSocket;
  private userClosed = false;

  constructor(
    private readonly pool: PoolInternals,
    url: string,
    headers: Record<string, string>,
  ) {
    pool.cores.add(this);
    let resolveClosed!: (value: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      resolveClosed = resolve;
    });
    const self = this;
    this.record = {
      url,
      headers: { ...headers },
      closed,
      get live() {
        return self.readyState !== CLOSED;
      },
    };
    pool.connections.push(this.record);
    for (const waiter of pool.waiters.splice(0)) waiter(this.record);
    let responseHeaders: Record<string, string> = {};
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.ws.binaryType = 'arraybuffer';
    this.ws.on('upgrade', (response: IncomingMessage) => {
      responseHeaders = Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      );
    });
    this.ws.on('open', () => {
      this.readyState = OPEN;
      this.handlers.open?.(responseHeaders);
    });
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = rawToBuffer(data);
      if (isBinary) this.handlers.binary?.(exactArrayBuffer(bytes));
      else this.handlers.text?.(bytes.toString('utf8'));
    });
    this.ws.on('error', (error: Error) => {
      // A close the app asked for is not an error (ws reports aborting a handshake as one).
      if (this.userClosed) return;
      this.handlers.error?.(error.message, this.readyState === CONNECTING);
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.readyState = CLOSED;
      this.pool.cores.delete(this);
      const text = reason.toString('utf8');
      resolveClosed({ code, reason: text });
      this.handlers.close?.(code, text);
    });
  }

  sendText(data: string): void {
    this.ws.send(data);
  }

  sendBinary(data: Uint8Array): void {
    this.ws.send(data, { binary: true });
  }

  close(code: number, reason: string): void {
    this.userClosed = true;
    if (this.readyState === CONNECTING) {
      // Closing before the handshake aborts it; ws then reports 1006 like a browser.
      this.ws.terminate();
      return;
    }
    this.ws.close(code, reason);
  }

  /** Test cleanup: drop the connection without a close handshake. */
  terminate(): void {
    this.userClosed = true;
    this.ws.terminate();
  }
}

/** Byte length of a string in UTF-8. */
function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The WebSocket client rule for close codes, which we assume the vendors enforce too. */
function isValidCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

function pickPool(options: EmulatorOptions): PoolInternals {
  return internals(options.pool ?? createSocketPool(options.maxSockets ?? 5));
}

function buildHeaders(
  header: Record<string, string> | undefined,
  inject: Record<string, string> | undefined,
) {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(header ?? {})) {
    // WeChat: "Header 中不能设置 Referer".
    if (key.toLowerCase() === 'referer') continue;
    headers[key] = String(value);
  }
  return { ...headers, ...inject };
}

/** Any vendor call's callbacks; `never` so every callback shape fits (the caller picks the payload). */
interface Settleable {
  success?: Callback<never>;
  fail?: Callback<never>;
  complete?: Callback<never>;
}

/** Settles a vendor call's callbacks asynchronously with `result` (a success or a failure payload). */
function settle(options: Settleable | undefined, ok: boolean, result: object): void {
  const payload = result as never;
  later(() => {
    if (ok) options?.success?.(payload);
    else options?.fail?.(payload);
    options?.complete?.(payload);
  });
}

// ---------------------------------------------------------------------------------------------- WeChat

/** `SocketTask.send` arguments. */
export interface WxSendOptions {
  data: unknown;
  success?: Callback<WxResult>;
  fail?: Callback<WxResult>;
  complete?: Callback<WxResult>;
}

/** `SocketTask.close` arguments. */
export interface WxCloseOptions {
  code?: number;
  reason?: string;
  success?: Callback<WxResult>;
  fail?: Callback<WxResult>;
  complete?: Callback<WxResult>;
}

/** The emulated WeChat SocketTask. */
export class WxSocketTask {
  private onOpenCb?: Callback<{ header: Record<string, string>; profile: Record<string, number> }>;
  private onMessageCb?: Callback<{ data: string | ArrayBuffer }>;
  private onCloseCb?: Callback<{ code?: number; reason?: string }>;
  private onErrorCb?: Callback<WxResult>;
  /** Set by connectSocket's success callback (Douyin: close before that is a no-op). */
  ready = false;

  constructor(
    private readonly core: SocketCore | undefined,
    private readonly quirks: { closeBeforeReadyIsNoop?: boolean; emptyClose?: boolean } = {},
  ) {
    if (!core) return;
    core.handlers = {
      open: (header) => this.onOpenCb?.({ header, profile: {} }),
      text: (data) => this.onMessageCb?.({ data }),
      binary: (data) => this.onMessageCb?.({ data }),
      error: (message, whileConnecting) =>
        this.onErrorCb?.({ errMsg: whileConnecting ? `connectSocket:fail ${message}` : message }),
      close: (code, reason) => this.onCloseCb?.(this.quirks.emptyClose ? {} : { code, reason }),
    };
  }

  /** The connection behind this task (undefined when connectSocket failed). */
  get connection(): EmulatedConnection | undefined {
    return this.core?.record;
  }

  onOpen(callback: WxSocketTask['onOpenCb']): void {
    this.onOpenCb = callback;
  }
  onMessage(callback: WxSocketTask['onMessageCb']): void {
    this.onMessageCb = callback;
  }
  onClose(callback: WxSocketTask['onCloseCb']): void {
    this.onCloseCb = callback;
  }
  onError(callback: WxSocketTask['onErrorCb']): void {
    this.onErrorCb = callback;
  }

  send(options: WxSendOptions): void {
    const core = this.core;
    if (!core || core.readyState !== OPEN) {
      settle(options, false, { errMsg: 'SocketTask.send:fail SocketTask.readyState is not OPEN' });
      return;
    }
    const { data } = options;
    if (typeof data === 'string') core.sendText(data);
    else if (isArrayBuffer(data)) core.sendBinary(new Uint8Array(data));
    else {
      const type = Object.prototype.toString.call(data).slice(8, -1);
      settle(options, false, {
        errMsg: `SocketTask.send:fail parameter error: parameter.data should be String or ArrayBuffer instead of ${type};`,
      });
      return;
    }
    settle(options, true, { errMsg: 'SocketTask.send:ok' });
  }

  close(options: WxCloseOptions = {}): void {
    const code = options.code ?? 1000;
    const reason = options.reason ?? '';
    if (!isValidCloseCode(code)) {
      settle(options, false, { errMsg: `SocketTask.close:fail invalid code ${code}` });
      return;
    }
    if (utf8Length(reason) > 123) {
      settle(options, false, { errMsg: 'SocketTask.close:fail reason is longer than 123 bytes' });
      return;
    }
    if (this.quirks.closeBeforeReadyIsNoop && !this.ready) {
      settle(options, false, { errMsg: 'SocketTask.close:fail task is not ready' });
      return;
    }
    this.core?.close(code, reason);
    settle(options, true, { errMsg: 'SocketTask.close:ok' });
  }
}

/** `wx.connectSocket` as emulated, plus the emulation's bookkeeping. */
export interface WxConnectSocket {
  (options: EmulatedConnectOptions): WxSocketTask;
  readonly pool: SocketPool;
}

function wxConnect(
  pool: PoolInternals,
  options: EmulatedConnectOptions,
  emulator: EmulatorOptions,
  quirks: { emptyClose?: boolean } = {},
): WxSocketTask {
  const taskQuirks = { closeBeforeReadyIsNoop: emulator.closeBeforeReadyIsNoop, ...quirks };
  if (!/^wss?:\/\//i.test(options.url ?? '')) {
    settle(options, false, { errMsg: `connectSocket:fail invalid url "${String(options.url)}"` });
    return new WxSocketTask(undefined, taskQuirks);
  }
  if (pool.cores.size >= pool.max) {
    settle(options, false, { errMsg: 'connectSocket:fail exceed max task count' });
    return new WxSocketTask(undefined, taskQuirks);
  }
  const core = new SocketCore(pool, options.url, buildHeaders(options.header, emulator.injectHeaders));
  const task = new WxSocketTask(core, taskQuirks);
  later(() => {
    task.ready = true;
    options.success?.({ errMsg: 'connectSocket:ok' });
    options.complete?.({ errMsg: 'connectSocket:ok' });
  });
  return task;
}

/**
 * An emulated `wx.connectSocket` (also Baidu/QQ; Douyin with `closeBeforeReadyIsNoop`).
 *
 * @example
 * const connectSocket = createWxConnectSocket();
 * const task = connectSocket({ url: 'ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket' });
 */
export function createWxConnectSocket(options: EmulatorOptions = {}): WxConnectSocket {
  const pool = pickPool(options);
  const connect = (connectOptions: EmulatedConnectOptions) => wxConnect(pool, connectOptions, options);
  return Object.assign(connect, { pool });
}

/** Alias of {@link createWxConnectSocket} (the generic name other tests use). */
export const createConnectSocket = createWxConnectSocket;

// ----------------------------------------------------------------------------------------------- uni-app

/** `uni.connectSocket` as emulated. */
export interface UniConnectSocket {
  (options: EmulatedConnectOptions): WxSocketTask | Promise<WxResult>;
  readonly pool: SocketPool;
}

/**
 * An emulated `uni.connectSocket`: the task only when a callback is passed, otherwise a Promise.
 *
 * @example
 * const connectSocket = createUniConnectSocket();
 * const task = connectSocket({ url, complete: () => {} }); // a SocketTask
 */
export function createUniConnectSocket(
  options: EmulatorOptions & { h5EmptyClose?: boolean } = {},
): UniConnectSocket {
  const pool = pickPool(options);
  const connect = (connectOptions: EmulatedConnectOptions): WxSocketTask | Promise<WxResult> => {
    const quirks = { emptyClose: options.h5EmptyClose };
    if (connectOptions.success || connectOptions.fail || connectOptions.complete) {
      return wxConnect(pool, connectOptions, options, quirks);
    }
    return new Promise<WxResult>((resolve, reject) => {
      wxConnect(pool, { ...connectOptions, success: resolve, fail: reject }, options, quirks);
    });
  };
  return Object.assign(connect, { pool });
}

// ------------------------------------------------------------------------------------------------ Alipay

/** Alipay `SocketTask.send` arguments. */
export interface MySendOptions {
  data: unknown;
  isBuffer?: boolean;
  success?: Callback<unknown>;
  fail?: Callback<MyError>;
  complete?: Callback<unknown>;
}

/** Alipay-specific emulation switches. */
export interface AlipayOptions extends EmulatorOptions {
  /** Deliver messages as `{ data: { data, isBuffer } }` (reported for some clients†). */
  readonly nestedData?: boolean;
  /** Accept an ArrayBuffer in `send` (clients ≥ 10.5.16†); otherwise only base64 + isBuffer. */
  readonly acceptArrayBuffer?: boolean;
}

type MyMessage = { data: string; isBuffer: boolean } | { data: { data: string; isBuffer: boolean } };

/** The emulated Alipay SocketTask. */
export class MySocketTask {
  private onOpenCb?: Callback<Record<string, never>>;
  private onMessageCb?: Callback<MyMessage>;
  private onCloseCb?: Callback<{ code: number; reason: string }>;
  private onErrorCb?: Callback<MyError>;

  constructor(
    private readonly core: SocketCore,
    private readonly options: AlipayOptions,
  ) {
    const deliver = (data: string, isBuffer: boolean) =>
      this.onMessageCb?.(options.nestedData ? { data: { data, isBuffer } } : { data, isBuffer });
    core.handlers = {
      open: () => this.onOpenCb?.({}),
      text: (data) => deliver(data, false),
      binary: (data) => deliver(Buffer.from(data).toString('base64'), true),
      error: (message) => this.onErrorCb?.({ error: 3, errorMessage: message }),
      close: (code, reason) => this.onCloseCb?.({ code, reason }),
    };
  }

  get connection(): EmulatedConnection {
    return this.core.record;
  }

  onOpen(callback: MySocketTask['onOpenCb']): void {
    this.onOpenCb = callback;
  }
  onMessage(callback: MySocketTask['onMessageCb']): void {
    this.onMessageCb = callback;
  }
  onClose(callback: MySocketTask['onCloseCb']): void {
    this.onCloseCb = callback;
  }
  onError(callback: MySocketTask['onErrorCb']): void {
    this.onErrorCb = callback;
  }

  send(options: MySendOptions): void {
    if (this.core.readyState !== OPEN) {
      settle(options, false, { error: 10, errorMessage: 'WebSocket is not connected' });
      return;
    }
    const { data, isBuffer } = options;
    if (typeof data === 'string' && isBuffer) {
      this.core.sendBinary(Buffer.from(data, 'base64'));
    } else if (typeof data === 'string') {
      this.core.sendText(data);
    } else if (isArrayBuffer(data) && this.options.acceptArrayBuffer) {
      this.core.sendBinary(new Uint8Array(data));
    } else {
      settle(options, false, { error: 2, errorMessage: 'Invalid parameter: data must be a string' });
      return;
    }
    settle(options, true, {});
  }

  close(
    options: { code?: number; reason?: string; success?: Callback<unknown>; fail?: Callback<MyError> } = {},
  ) {
    const code = options.code ?? 1000;
    if (!isValidCloseCode(code)) {
      settle(options, false, { error: 2, errorMessage: 'code must be 1000 or in 3000-4999' });
      return;
    }
    this.core.close(code, options.reason ?? '');
    settle(options, true, {});
  }
}

/** Arguments of the emulated `my.connectSocket`: failures are `{ error, errorMessage }`. */
export interface MyConnectOptions {
  url: string;
  header?: Record<string, string>;
  multiple?: boolean;
  success?: Callback<WxResult>;
  fail?: Callback<MyError>;
  complete?: Callback<WxResult | MyError>;
}

/** `my.connectSocket` as emulated. */
export interface MyConnectSocket {
  (options: MyConnectOptions): MySocketTask | undefined;
  readonly pool: SocketPool;
}

/**
 * An emulated Alipay `my.connectSocket`: a task only with `multiple: true`, binary as base64.
 *
 * @example
 * const connectSocket = createMyConnectSocket({ nestedData: true });
 * const task = connectSocket({ url, multiple: true });
 */
export function createMyConnectSocket(options: AlipayOptions = {}): MyConnectSocket {
  const pool = pickPool(options);
  const connect = (connectOptions: MyConnectOptions): MySocketTask | undefined => {
    const fail = (error: MyError) => settle(connectOptions, false, error);
    if (!connectOptions.multiple) {
      // Global-socket mode (my.onSocketOpen, ...) is not emulated: no task comes back, which is the point.
      later(() => connectOptions.success?.({ errMsg: 'connectSocket:ok' }));
      return undefined;
    }
    if (!/^wss?:\/\//i.test(connectOptions.url ?? '')) {
      fail({ error: 2, errorMessage: 'Invalid URL' });
      return undefined;
    }
    if (pool.cores.size >= pool.max) {
      fail({ error: 2, errorMessage: 'Too many sockets' });
      return undefined;
    }
    const core = new SocketCore(
      pool,
      connectOptions.url,
      buildHeaders(connectOptions.header, options.injectHeaders),
    );
    later(() => connectOptions.success?.({ errMsg: 'connectSocket:ok' }));
    return new MySocketTask(core, options);
  };
  return Object.assign(connect, { pool });
}

// -------------------------------------------------------------------------------------------- wx.cloud

/** Arguments of the emulated `connectContainer`. */
export interface EmulatedContainerOptions {
  config?: { env?: string };
  service?: string;
  path?: string;
  header?: Record<string, string>;
  success?: Callback<{ socketTask: WxSocketTask; errMsg: string }>;
  fail?: Callback<{ errCode: number; errMsg: string }>;
  complete?: Callback<unknown>;
}

/** Options of {@link createWxCloud}. */
export interface WxCloudOptions extends EmulatorOptions {
  /** Whether `wx.cloud.init()` already ran (default true). */
  readonly initialized?: boolean;
  /** The Cloud Hosting env ID that exists. */
  readonly env: string;
  /** Service name → base `ws://` URL of the container (a loopback server). */
  readonly services: Record<string, string>;
  /** Base library version; below 2.21.1 `connectContainer` is missing. Default `3.5.0`. */
  readonly baseLibrary?: string;
  /** Identity injected as `x-wx-openid` (omit for iOS "high-performance+" mode, which sends none). */
  readonly openid?: string;
  readonly appid?: string;
  /** H5 `cloud.Cloud`: routes by the `X-WX-SERVICE` header, ignoring `service`. */
  readonly h5?: boolean;
}

/** One `connectContainer` call as the emulation received it. */
export interface ContainerRequest {
  readonly env: string | undefined;
  readonly service: string | undefined;
  readonly path: string | undefined;
  readonly header: Readonly<Record<string, string>>;
}

/** The emulated `wx.cloud`. */
export interface EmulatedCloud {
  init(options?: { env?: string; traceUser?: boolean }): void;
  connectContainer?: (
    options: EmulatedContainerOptions,
  ) => Promise<{ socketTask: WxSocketTask; errMsg: string }> | undefined;
  readonly requests: ContainerRequest[];
  readonly pool: SocketPool;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/**
 * An emulated `wx.cloud` whose `connectContainer` opens real WebSockets to loopback "containers".
 *
 * @example
 * const cloud = createWxCloud({ env: 'prod-1', services: { voice: 'ws://127.0.0.1:3000' }, openid: 'o-1' });
 * const { socketTask } = await cloud.connectContainer!({ config: { env: 'prod-1' }, service: 'voice', path: '/' });
 */
export function createWxCloud(options: WxCloudOptions): EmulatedCloud {
  const pool = pickPool(options);
  let initialized = options.initialized ?? true;
  let initEnv: string | undefined;
  const requests: ContainerRequest[] = [];

  const connectContainer = (call: EmulatedContainerOptions) => {
    const header = { ...call.header };
    const env = call.config?.env ?? initEnv;
    const service = options.h5
      ? Object.entries(header).find(([k]) => k.toLowerCase() === 'x-wx-service')?.[1]
      : call.service;
    requests.push({ env, service, path: call.path, header });

    const outcome = ():
      | { ok: true; task: WxSocketTask }
      | { ok: false; error: { errCode: number; errMsg: string } } => {
      if (!initialized) {
        return {
          ok: false,
          error: {
            errCode: -1,
            errMsg:
              "cloud.connectContainer:fail Error: errMsg: Cloud API isn't enabled, please call wx.cloud.init first",
          },
        };
      }
      if (env !== options.env) {
        return {
          ok: false,
          error: {
            errCode: -501000,
            errMsg:
              'cloud.connectContainer:fail Error: errCode: -501000 | errMsg: [100003] Param Invalid: env check invalid be filterd',
          },
        };
      }
      const base = service === undefined ? undefined : options.services[service];
      if (base === undefined) {
        return {
          ok: false,
          error: {
            errCode: -501000,
            errMsg: 'cloud.connectContainer:fail Error: errCode: -501000 | errMsg: Invalid host',
          },
        };
      }
      const identity: Record<string, string> = { 'x-wx-env': env, 'x-wx-source': 'wx-client-container' };
      if (options.openid) identity['x-wx-openid'] = options.openid;
      if (options.appid) identity['x-wx-appid'] = options.appid;
      const url = base.replace(/\/+$/, '') + (call.path ?? '/');
      const task = wxConnect(
        pool,
        { url, header },
        { ...options, injectHeaders: { ...options.injectHeaders, ...identity } },
      );
      if (!task.connection) {
        return {
          ok: false,
          error: { errCode: -1, errMsg: 'cloud.connectContainer:fail exceed max task count' },
        };
      }
      task.ready = true;
      return { ok: true, task };
    };

    const usesCallbacks = Boolean(call.success || call.fail || call.complete);
    const run = (
      resolve: Callback<{ socketTask: WxSocketTask; errMsg: string }>,
      reject: Callback<unknown>,
    ) => {
      // The gateway answers later; the task is created when the call is answered.
      later(() => {
        const result = outcome();
        if (result.ok) resolve({ socketTask: result.task, errMsg: 'cloud.connectContainer:ok' });
        else reject(result.error);
      });
    };
    if (usesCallbacks) {
      run(
        (value) => {
          call.success?.(value);
          call.complete?.(value);
        },
        (error) => {
          call.fail?.(error as { errCode: number; errMsg: string });
          call.complete?.(error);
        },
      );
      return undefined;
    }
    return new Promise<{ socketTask: WxSocketTask; errMsg: string }>(run);
  };

  return {
    init(init) {
      initialized = true;
      initEnv = init?.env;
    },
    ...(versionAtLeast(options.baseLibrary ?? '3.5.0', '2.21.1') ? { connectContainer } : {}),
    requests,
    pool,
  };
}

// -------------------------------------------------------------------------------- loopback test servers

/** What a raw `ws` test server saw. */
export interface UpgradeSeen {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

/**
 * A plain `ws` server on 127.0.0.1 (ephemeral port) that echoes every frame and records upgrades; the text
 * frame `!close <code> <reason>` makes it close the connection with that code and reason instead.
 */
export interface EchoServer {
  readonly url: string;
  readonly port: number;
  readonly wss: WebSocketServer;
  readonly upgrades: UpgradeSeen[];
  /** Resolves with the next server-side socket accepted after this call (call it before connecting). */
  nextConnection(): Promise<WebSocket>;
  close(): Promise<void>;
}

/**
 * Starts an echo WebSocket server on loopback.
 *
 * @example
 * const server = await startEchoServer();
 * // ... connect to server.url ...
 * await server.close();
 */
export async function startEchoServer(): Promise<EchoServer> {
  const http: HttpServer = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const upgrades: UpgradeSeen[] = [];
  const waiting: Array<(ws: WebSocket) => void> = [];
  wss.on('connection', (ws, request) => {
    upgrades.push({ url: request.url ?? '', headers: request.headers });
    ws.on('message', (data, isBinary) => {
      const buffer = rawToBuffer(data);
      // "!close <code> <reason>" asks the server to close: lets tests drive server-side closes.
      const command = isBinary ? undefined : /^!close (\d+) ?(.*)$/s.exec(buffer.toString('utf8'));
      if (command) ws.close(Number(command[1]), command[2]);
      else ws.send(buffer, { binary: isBinary });
    });
    for (const waiter of waiting.splice(0)) waiter(ws);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    wss,
    upgrades,
    nextConnection() {
      return new Promise((resolve) => waiting.push(resolve));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  await new Promise<void>((resolve) => http.close(() => resolve()));
  return port;
}

/** The official socket.io server (websocket only) on loopback, for transport-level tests. */
export interface OfficialServer {
  readonly port: number;
  readonly io: SocketIoServer;
  /** Request URLs of the Engine.IO connections the server accepted. */
  readonly engineUrls: string[];
  /** Upgrade request headers of those connections. */
  readonly engineHeaders: IncomingMessage['headers'][];
  close(): Promise<void>;
}

/**
 * Starts the official `socket.io` server (websocket only) with an `echo` event: with an ack it acks the
 * arguments back, without one it emits them back.
 *
 * @example
 * const server = await startOfficialServer();
 * // ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket
 */
export async function startOfficialServer(): Promise<OfficialServer> {
  const server = await startServer();
  const engineUrls: string[] = [];
  const engineHeaders: IncomingMessage['headers'][] = [];
  server.io.engine.on('connection', (raw: { request: IncomingMessage }) => {
    engineUrls.push(raw.request.url ?? '');
    engineHeaders.push(raw.request.headers);
  });
  const echo = (socket: ServerSocket) => {
    socket.on('echo', (...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last === 'function') (last as (...reply: unknown[]) => void)(...args.slice(0, -1));
      else socket.emit('echo', ...args);
    });
  };
  server.io.on('connection', echo);
  server.io.of('/realtime-voice').on('connection', echo);
  return { port: server.port, io: server.io, engineUrls, engineHeaders, close: () => server.close() };
}

// -------------------------------------------------------------------------------- recording listener

/** What a transport reported, in order. */
export type TransportEvent =
  | { readonly type: 'open' }
  | { readonly type: 'message'; readonly data: string | ArrayBuffer }
  | { readonly type: 'error'; readonly error: ClientError }
  | { readonly type: 'close'; readonly details: TransportCloseDetails };

/** A TransportListener that records everything and lets tests await it. */
export interface RecordingListener extends TransportListener {
  readonly events: TransportEvent[];
  /** Resolves at onOpen; rejects if the transport closes first. */
  readonly opened: Promise<void>;
  /** Resolves at onClose. */
  readonly closed: Promise<TransportCloseDetails>;
  /** The next message not yet taken (rejects if the transport closes while waiting). */
  nextMessage(): Promise<string | ArrayBuffer>;
}

/**
 * Records transport callbacks.
 *
 * @example
 * const listener = recordingListener();
 * transport.open(request, listener);
 * await listener.opened;
 */
export function recordingListener(): RecordingListener {
  const events: TransportEvent[] = [];
  const inbox: Array<string | ArrayBuffer> = [];
  const waiters: Array<{ resolve: (data: string | ArrayBuffer) => void; reject: (error: Error) => void }> =
    [];
  let resolveOpened!: () => void;
  let rejectOpened!: (error: Error) => void;
  let resolveClosed!: (details: TransportCloseDetails) => void;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  // Tests that expect a failure never await `opened`; keep its rejection from being "unhandled".
  opened.catch(() => undefined);
  const closed = new Promise<TransportCloseDetails>((resolve) => {
    resolveClosed = resolve;
  });
  return {
    events,
    opened,
    closed,
    onOpen() {
      events.push({ type: 'open' });
      resolveOpened();
    },
    onMessage(data) {
      events.push({ type: 'message', data });
      const waiter = waiters.shift();
      if (waiter) waiter.resolve(data);
      else inbox.push(data);
    },
    onError(error) {
      events.push({ type: 'error', error });
    },
    onClose(details) {
      events.push({ type: 'close', details });
      rejectOpened(new Error(`closed before open: ${details.reason}`));
      for (const waiter of waiters.splice(0)) waiter.reject(new Error(`closed: ${details.reason}`));
      resolveClosed(details);
    },
    nextMessage() {
      const ready = inbox.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (events.some((e) => e.type === 'close')) return Promise.reject(new Error('already closed'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
  };
}
