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
 *   open packet), so detection happens before the client ever sends binary. That codec lives in
 *   `alipay.ts`, so an app that only uses connectContainer does not ship it.
 * - Douyin: task methods should wait for the connect `success` callback (see socket-task.ts).
 */
import { ClientError } from '../errors';
import { alipayCodec, type SocketTaskVendor } from './alipay';
import { createSocketTaskBinding, platformError, type VendorCallbackResult } from './socket-task';
import type { Transport } from './transport';

export type { SocketTaskVendor } from './alipay';
export type {
  SocketTaskCloseOptions,
  SocketTaskLike,
  SocketTaskMessage,
  SocketTaskSendOptions,
  VendorCallbackResult,
} from './socket-task';

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
      const binding = createSocketTaskBinding(listener, alipayCodec(options.vendor || 'auto'));
      const { url } = request;
      if (typeof connectSocket !== 'function') {
        binding._fail(
          new ClientError('TRANSPORT_UNAVAILABLE', 'Pass wx/uni/my.connectSocket to connectSocketTransport'),
        );
      } else if (url === undefined) {
        binding._fail(
          new ClientError('TRANSPORT_ERROR', 'connectSocket needs io("wss://host/nsp"), not a bare /nsp'),
        );
      } else {
        try {
          const call: ConnectSocketOptions = {
            url,
            multiple: true,
            // Passing callbacks is what makes uni-app return the task instead of a Promise.
            success: () => binding._ready(),
            fail: (result) => binding._fail(platformError('connectSocket', result)),
          };
          if (options.header) call.header = Object.assign({}, options.header);
          binding._attach(connectSocket(call));
        } catch (error) {
          binding._fail(platformError('connectSocket', error));
        }
      }
      return binding;
    },
  };
}
