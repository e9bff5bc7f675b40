/**
 * @module connect-socket — a transport over any mini-program vendor's `connectSocket` / `SocketTask`.
 *
 * Works with `wx.connectSocket`, `uni.connectSocket`, `my.connectSocket` (Alipay), `tt.connectSocket`
 * (Douyin), `swan.connectSocket` (Baidu) and `qq.connectSocket`. The vendor function is an argument, so
 * this file references no platform global. Vendor differences it absorbs:
 *
 * - WeChat / Baidu / QQ: the task is returned synchronously; callbacks are registered in the same tick so
 *   no event is missed. `send({ data })` takes a string or an ArrayBuffer (never a TypedArray).
 * - uni-app: returns the task **only** when `success`/`fail`/`complete` is passed (otherwise a Promise), so
 *   callbacks are always passed.
 * - Alipay: a task is returned only with `multiple: true` (always passed; other vendors ignore the key).
 *   Binary goes out as base64 with `isBuffer: true` and comes in as `{ data: base64, isBuffer: true }`,
 *   sometimes nested as `res.data.data`. Alipay is chosen with `{ vendor: 'alipay' }`, or detected from the
 *   first received message carrying an `isBuffer` field: the Engine.IO server always speaks first (its
 *   open packet), so detection happens before the client ever sends binary.
 * - Douyin: task methods should wait for the connect `success` callback. Sends only happen after `onOpen`
 *   anyway, and a `close()` that comes before the task is ready is repeated once it is (success or open).
 */
import { ClientError } from '../errors';
import type { Transport, TransportCloseDetails, TransportConnection, TransportListener } from './transport';

/** The result object of a vendor callback; every vendor puts its message in one of these fields. */
export interface VendorCallbackResult {
  readonly errMsg?: string;
  /** Alipay reports failures as `{ error: number, errorMessage: string }`. */
  readonly errorMessage?: string;
  readonly error?: number | string;
  readonly errCode?: number;
}

/** `SocketTask.send` options, union of the vendors' shapes. */
export interface SocketTaskSendOptions {
  data: string | ArrayBuffer;
  /** Alipay only: `data` is base64 of binary bytes. */
  isBuffer?: boolean;
  success?: (result?: VendorCallbackResult) => void;
  fail?: (result?: VendorCallbackResult) => void;
  complete?: (result?: VendorCallbackResult) => void;
}

/** `SocketTask.close` options. */
export interface SocketTaskCloseOptions {
  code?: number;
  reason?: string;
  success?: (result?: VendorCallbackResult) => void;
  fail?: (result?: VendorCallbackResult) => void;
  complete?: (result?: VendorCallbackResult) => void;
}

/** A message envelope: `{ data }` (WeChat), `{ data, isBuffer }` or `{ data: { data, isBuffer } }` (Alipay). */
export interface SocketTaskMessage {
  readonly data?: unknown;
  readonly isBuffer?: boolean;
}

/** The SocketTask surface this transport uses (the intersection of all vendors). */
export interface SocketTaskLike {
  send(options: SocketTaskSendOptions): void;
  close(options?: SocketTaskCloseOptions): void;
  onOpen(callback: (result?: unknown) => void): void;
  onMessage(callback: (result: SocketTaskMessage) => void): void;
  onClose(callback: (result?: { code?: number; reason?: string }) => void): void;
  onError(callback: (result?: VendorCallbackResult) => void): void;
}

/** Options handed to a vendor's `connectSocket`. */
export interface ConnectSocketOptions {
  url: string;
  header?: Record<string, string>;
  /** Alipay: return a SocketTask instead of using the global socket. Ignored elsewhere. */
  multiple?: boolean;
  success?: (result?: VendorCallbackResult) => void;
  fail?: (result?: VendorCallbackResult) => void;
  complete?: (result?: VendorCallbackResult) => void;
}

/** Any vendor's `connectSocket`. The return is a SocketTask when callbacks are passed (always, here). */
export type ConnectSocketFunction = (options: ConnectSocketOptions) => unknown;

/**
 * How binary frames are exchanged. `auto` (default) sends ArrayBuffers and switches to Alipay's base64
 * envelopes as soon as a received message carries `isBuffer`.
 */
export type SocketTaskVendor = 'auto' | 'standard' | 'alipay';

/** Options of {@link connectSocketTransport}. */
export interface ConnectSocketTransportOptions {
  /** `'alipay'` for `my.connectSocket` (or uni-app compiled to mp-alipay); default `'auto'`. */
  readonly vendor?: SocketTaskVendor;
  /** Extra HTTP headers for the WebSocket upgrade request (WeChat forbids `Referer`). */
  readonly header?: Record<string, string>;
}

/**
 * A transport over a vendor's `connectSocket` function.
 *
 * @example
 * const socket = io('wss://example.com/realtime-voice', { transport: connectSocketTransport(wx.connectSocket) });
 * const alipay = io(url, { transport: connectSocketTransport(my.connectSocket, { vendor: 'alipay' }) });
 */
export function connectSocketTransport(
  connectSocket: ConnectSocketFunction,
  options: ConnectSocketTransportOptions = {},
): Transport {
  return {
    name: 'connectSocket',
    open(request, listener) {
      const binding = createSocketTaskBinding(listener, options.vendor ?? 'auto');
      if (typeof connectSocket !== 'function') {
        binding.fail(
          new ClientError(
            'TRANSPORT_UNAVAILABLE',
            'connectSocketTransport needs the platform connectSocket function (wx.connectSocket, uni.connectSocket, my.connectSocket, ...), got ' +
              typeof connectSocket,
          ),
        );
        return binding;
      }
      if (request.url === undefined) {
        binding.fail(
          new ClientError(
            'TRANSPORT_ERROR',
            'connectSocket needs a full wss:// URL: create the client with io("wss://host/namespace", ...), not a bare namespace',
          ),
        );
        return binding;
      }
      let task: unknown;
      try {
        task = connectSocket({
          url: request.url,
          ...(options.header ? { header: { ...options.header } } : {}),
          multiple: true,
          // Passing callbacks is what makes uni-app return the task instead of a Promise.
          success: () => binding.ready(),
          fail: (result) => binding.fail(platformError('connectSocket', result)),
        });
      } catch (error) {
        binding.fail(platformError('connectSocket', error));
        return binding;
      }
      if (!isSocketTask(task)) {
        binding.fail(
          new ClientError(
            'TRANSPORT_UNAVAILABLE',
            'connectSocket did not return a SocketTask (Alipay needs multiple: true; uni-app needs callbacks; very old base libraries return nothing)',
          ),
        );
        return binding;
      }
      binding.attach(task);
      return binding;
    },
  };
}

/** True when `value` has every SocketTask method this transport calls. */
export function isSocketTask(value: unknown): value is SocketTaskLike {
  if (typeof value !== 'object' || value === null) return false;
  const task = value as Record<string, unknown>;
  return ['send', 'close', 'onOpen', 'onMessage', 'onClose', 'onError'].every(
    (name) => typeof task[name] === 'function',
  );
}

/**
 * A transport connection whose SocketTask may arrive later (connectContainer resolves it asynchronously).
 * Shared by connect-socket and connect-container so the SocketTask handling exists once.
 */
export interface SocketTaskBinding extends TransportConnection {
  /** Register on the task. If the engine already closed, the task is closed at once instead. */
  attach(task: SocketTaskLike): void;
  /** The platform's connect `success` arrived: the task may be used (Douyin). */
  ready(): void;
  /** Report a failure and finish (error, then close). Ignored after the engine's close(). */
  fail(error: ClientError): void;
}

/**
 * Creates the binding between one SocketTask and the engine's listener.
 *
 * @example
 * const binding = createSocketTaskBinding(listener, 'auto');
 * binding.attach(wx.connectSocket({ url, success: () => binding.ready() }));
 */
export function createSocketTaskBinding(
  listener: TransportListener,
  vendor: SocketTaskVendor,
): SocketTaskBinding {
  let task: SocketTaskLike | undefined;
  /** The engine called close(): from now on nothing reaches the listener. */
  let cancelled = false;
  /** onClose was delivered. */
  let finished = false;
  let opened = false;
  let alipay = vendor === 'alipay';
  /**
   * True until the current macrotask's microtasks run: failures found while `open()` is still executing
   * (bad arguments, a vendor calling `fail` synchronously) are deferred so the engine never receives a
   * callback before `open()` has returned its connection.
   */
  let synchronous = true;
  void Promise.resolve().then(() => {
    synchronous = false;
  });

  const closeTask = (): void => {
    if (!task) return;
    try {
      // 1000 is the one code every vendor accepts (Alipay only allows 1000 and 3000–4999).
      task.close({ code: 1000, reason: '', fail: () => undefined });
    } catch {
      // Closing a task that is already closed may throw on some vendors; it is gone either way.
    }
  };

  const finish = (details: TransportCloseDetails): void => {
    if (finished || cancelled) return;
    finished = true;
    listener.onClose(details);
  };

  const fail = (error: ClientError): void => {
    if (finished || cancelled) return;
    if (synchronous) {
      void Promise.resolve().then(() => fail(error));
      return;
    }
    listener.onError(error);
    // Free the vendor's socket slot (at most 5 per app) even if the platform keeps the task half-open.
    closeTask();
    finish({ reason: error.message });
  };

  const onMessage = (result: SocketTaskMessage): void => {
    if (finished || cancelled) return;
    let envelope: SocketTaskMessage = result ?? {};
    // Alipay sometimes nests the envelope: { data: { data, isBuffer } }.
    if (isPlainEnvelope(envelope.data)) {
      const inner = envelope.data;
      envelope = { data: inner.data, isBuffer: inner.isBuffer ?? envelope.isBuffer };
    }
    if (vendor === 'auto' && typeof envelope.isBuffer === 'boolean') alipay = true;
    const data = envelope.data;
    if (typeof data === 'string') {
      if (envelope.isBuffer === true) {
        const bytes = decodeBase64(data);
        if (!bytes) {
          fail(new ClientError('TRANSPORT_ERROR', 'Received a binary frame whose base64 is malformed'));
          return;
        }
        listener.onMessage(bytes);
      } else {
        listener.onMessage(data);
      }
      return;
    }
    const bytes = toExactArrayBuffer(data);
    if (bytes) {
      listener.onMessage(bytes);
      return;
    }
    fail(
      new ClientError(
        'TRANSPORT_ERROR',
        `SocketTask delivered an unsupported message payload (${typeof data})`,
      ),
    );
  };

  const binding: SocketTaskBinding = {
    attach(socketTask) {
      if (task) return;
      task = socketTask;
      if (cancelled) {
        closeTask();
        return;
      }
      try {
        socketTask.onOpen(() => {
          if (cancelled) {
            // Douyin (and any vendor whose close() was a no-op before the task was ready): close now.
            closeTask();
            return;
          }
          if (finished || opened) return;
          opened = true;
          listener.onOpen();
        });
        socketTask.onMessage(onMessage);
        socketTask.onError((result) => fail(platformError('SocketTask', result)));
        socketTask.onClose((result) => {
          const code = typeof result?.code === 'number' ? result.code : undefined;
          const reason = typeof result?.reason === 'string' ? result.reason : '';
          finish(code === undefined ? { reason } : { code, reason });
        });
      } catch (error) {
        fail(platformError('SocketTask', error));
      }
    },
    ready() {
      if (cancelled) closeTask();
    },
    fail,
    send(data) {
      if (finished || cancelled) return;
      if (!task) {
        fail(new ClientError('TRANSPORT_ERROR', 'send() before the SocketTask exists'));
        return;
      }
      const onSendFail = (result?: VendorCallbackResult): void =>
        fail(platformError('SocketTask.send', result));
      try {
        if (typeof data === 'string') {
          task.send({ data, fail: onSendFail });
        } else if (alipay) {
          task.send({ data: encodeBase64(data), isBuffer: true, fail: onSendFail });
        } else {
          task.send({ data, fail: onSendFail });
        }
      } catch (error) {
        onSendFail(toCallbackResult(error));
      }
    },
    close() {
      if (cancelled) return;
      cancelled = true;
      closeTask();
    },
  };
  return binding;
}

function isPlainEnvelope(value: unknown): value is SocketTaskMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isArrayBuffer(value) &&
    !ArrayBuffer.isView(value) &&
    'data' in value
  );
}

function isArrayBuffer(value: unknown): value is ArrayBuffer {
  // A tag check instead of instanceof: vendor runtimes may hand over buffers from another realm.
  return Object.prototype.toString.call(value) === '[object ArrayBuffer]';
}

/** An ArrayBuffer holding exactly the frame's bytes, from an ArrayBuffer or any view (Node Buffer included). */
function toExactArrayBuffer(data: unknown): ArrayBuffer | undefined {
  if (isArrayBuffer(data)) return data;
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return copy.buffer;
  }
  return undefined;
}

function toCallbackResult(error: unknown): VendorCallbackResult {
  if (typeof error === 'object' && error !== null) return error as VendorCallbackResult;
  return { errMsg: String(error) };
}

/** The platform's own message, whatever field the vendor put it in. */
export function platformMessage(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result instanceof Error) return result.message;
  if (typeof result !== 'object' || result === null) return String(result);
  const r = result as VendorCallbackResult & { message?: unknown };
  if (typeof r.errMsg === 'string' && r.errMsg) return r.errMsg;
  if (typeof r.errorMessage === 'string' && r.errorMessage) {
    return r.error === undefined ? r.errorMessage : `${r.errorMessage} (error ${String(r.error)})`;
  }
  if (typeof r.message === 'string' && r.message) return r.message;
  if (r.error !== undefined) return `error ${String(r.error)}`;
  return 'unknown error';
}

function platformError(api: string, result: unknown): ClientError {
  return new ClientError('TRANSPORT_ERROR', `${api} failed: ${platformMessage(result)}`, result);
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_LOOKUP: Int16Array = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < BASE64_ALPHABET.length; i++) table[BASE64_ALPHABET.charCodeAt(i)] = i;
  // Accept the URL-safe alphabet too; some gateways re-encode.
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

/**
 * Standard base64 (with padding) of an ArrayBuffer. Hand-written: mini-programs have no btoa/Buffer.
 *
 * @example
 * encodeBase64(new Uint8Array([1, 2, 3]).buffer); // 'AQID'
 */
export function encodeBase64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      BASE64_ALPHABET[n >> 18]! +
      BASE64_ALPHABET[(n >> 12) & 63]! +
      BASE64_ALPHABET[(n >> 6) & 63]! +
      BASE64_ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${BASE64_ALPHABET[n >> 18]!}${BASE64_ALPHABET[(n >> 12) & 63]!}${BASE64_ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}

/**
 * Decodes base64 (standard or URL-safe, padding optional, whitespace ignored); `undefined` when malformed.
 *
 * @example
 * new Uint8Array(decodeBase64('AQID')!); // Uint8Array [1, 2, 3]
 */
export function decodeBase64(text: string): ArrayBuffer | undefined {
  const clean = text.replace(/[\s]/g, '').replace(/=+$/, '');
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const value = code < 128 ? BASE64_LOOKUP[code]! : -1;
    if (value < 0) return undefined;
    // Only the low 14 bits are ever read; masking keeps the accumulator a small positive int.
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  return out.buffer;
}
