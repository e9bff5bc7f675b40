/**
 * @module socket-task — a mini-program SocketTask (WeChat, uni-app, Alipay, Douyin, Baidu, QQ) bound to the
 * engine's transport listener. Shared by connect-socket and connect-container so it exists once.
 *
 * - Callbacks are registered in the same tick the task is received, so no event is missed.
 * - `send({ data })` gets a string or an ArrayBuffer (never a TypedArray); a vendor's binary envelope (Alipay's
 *   base64) is a {@link SocketTaskCodec} handed in by the transport.
 * - Douyin: task methods should wait for the connect `success` callback. Sends only happen after `onOpen`
 *   anyway, and a `close()` that comes before the task is ready is repeated once it is (success or open).
 */
import { toFrame } from '../engine-io-parser';
import { ClientError, type ClientErrorCode } from '../errors';
import type { TransportCloseDetails, TransportConnection, TransportListener } from './transport';

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

/** True when `value` has every SocketTask method this transport calls. */
export function isSocketTask(value: unknown): value is SocketTaskLike {
  return ['send', 'close', 'onOpen', 'onMessage', 'onClose', 'onError'].every(
    // Object(): null and primitives simply lack the methods.
    (name) => typeof (Object(value) as Record<string, unknown>)[name] === 'function',
  );
}

/**
 * How a vendor's SocketTask carries frames. WeChat, Douyin, Baidu and QQ need {@link STANDARD_CODEC};
 * Alipay's base64 envelopes are in `alipay.ts`.
 */
export interface SocketTaskCodec {
  /** The frame a received message carries; undefined when it cannot be read. */
  decode(result: SocketTaskMessage | undefined): string | ArrayBuffer | undefined;
  /** The `send` options of a binary frame. */
  encode(data: ArrayBuffer): SocketTaskSendOptions;
}

/** Strings as text, ArrayBuffers (or any view, copied to exactly its bytes) as binary. */
export const STANDARD_CODEC: SocketTaskCodec = {
  decode: (result) => toFrame(Object(result).data),
  encode: (data) => ({ data }),
};

/**
 * A transport connection whose SocketTask may arrive later (connectContainer resolves it asynchronously).
 * Shared by connect-socket and connect-container so the SocketTask handling exists once.
 */
export interface SocketTaskBinding extends TransportConnection {
  /**
   * Register on the task (anything that is not a SocketTask fails the connection with `code`, by default
   * TRANSPORT_UNAVAILABLE). If the engine
   * already closed, the task is closed at once instead.
   */
  _attach(task: unknown, code?: ClientErrorCode): void;
  /** The platform's connect `success` arrived: the task may be used (Douyin). */
  _ready(): void;
  /** Report a failure and finish (error, then close). Ignored after the engine's close(). */
  _fail(error: ClientError): void;
}

/**
 * Creates the binding between one SocketTask and the engine's listener.
 *
 * @example
 * const binding = createSocketTaskBinding(listener, STANDARD_CODEC);
 * binding._attach(wx.connectSocket({ url, success: () => binding._ready() }));
 */
export function createSocketTaskBinding(
  listener: TransportListener,
  codec: SocketTaskCodec,
): SocketTaskBinding {
  let task: SocketTaskLike | undefined;
  /** The engine called close(): from now on nothing reaches the listener. */
  let cancelled = false;
  /** onClose was delivered. */
  let finished = false;
  let opened = false;
  /**
   * True until the current macrotask's microtasks run: failures found while `open()` is still executing
   * (bad arguments, a vendor calling `fail` synchronously) are deferred so the engine never receives a
   * callback before `open()` has returned its connection.
   */
  let synchronous = true;
  void Promise.resolve().then(() => {
    synchronous = false;
  });
  const done = (): boolean => finished || cancelled;

  const closeTask = (): void => {
    try {
      // 1000 is the one code every vendor accepts (Alipay only allows 1000 and 3000–4999).
      if (task) task.close({ code: 1000, reason: '', fail() {} });
    } catch {
      // Closing a task that is already closed may throw on some vendors; it is gone either way.
    }
  };

  const finish = (details: TransportCloseDetails): void => {
    if (!done()) {
      finished = true;
      listener.onClose(details);
    }
  };

  const fail = (error: ClientError): void => {
    if (done()) return;
    if (synchronous) void Promise.resolve().then(() => fail(error));
    else {
      listener.onError(error);
      // Free the vendor's socket slot (at most 5 per app) even if the platform keeps the task half-open.
      closeTask();
      finish({ reason: error.message });
    }
  };
  const failWith = (api: string) => (result: unknown) => fail(platformError(api, result));

  return {
    _attach(socketTask, code = 'TRANSPORT_UNAVAILABLE') {
      if (task) return;
      if (!isSocketTask(socketTask)) return fail(new ClientError(code, 'Got no SocketTask', socketTask));
      task = socketTask;
      if (cancelled) return closeTask();
      try {
        socketTask.onOpen(() => {
          // Douyin (and any vendor whose close() was a no-op before the task was ready): close now.
          if (cancelled) closeTask();
          else if (!finished && !opened) {
            opened = true;
            listener.onOpen();
          }
        });
        socketTask.onMessage((result) => {
          if (done()) return;
          const frame = codec.decode(result);
          if (frame === undefined) fail(new ClientError('TRANSPORT_ERROR', 'Unreadable SocketTask message'));
          else listener.onMessage(frame);
        });
        socketTask.onError(failWith('SocketTask'));
        socketTask.onClose((result) => {
          const { code, reason } = Object(result) as { code?: unknown; reason?: unknown };
          finish({
            code: typeof code === 'number' ? code : undefined,
            reason: typeof reason === 'string' ? reason : '',
          });
        });
      } catch (error) {
        failWith('SocketTask')(error);
      }
    },
    _ready() {
      if (cancelled) closeTask();
    },
    _fail: fail,
    send(data) {
      const onFail = failWith('SocketTask.send');
      try {
        if (!done()) {
          (task as SocketTaskLike).send(
            Object.assign(typeof data === 'string' ? { data } : codec.encode(data), { fail: onFail }),
          );
        }
      } catch (error) {
        onFail(error);
      }
    },
    close() {
      if (!cancelled) {
        cancelled = true;
        closeTask();
      }
    },
  };
}

/** The platform's own message, whatever field the vendor put it in. */
export function platformMessage(result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  const r = result as VendorCallbackResult & { message?: unknown };
  if (r.errMsg) return r.errMsg;
  if (r.errorMessage) return r.error === undefined ? r.errorMessage : `${r.errorMessage} (error ${r.error})`;
  if (typeof r.message === 'string' && r.message) return r.message;
  return r.error === undefined ? 'unknown error' : `error ${r.error}`;
}

export function platformError(api: string, result: unknown): ClientError {
  return new ClientError('TRANSPORT_ERROR', `${api} failed: ${platformMessage(result)}`, result);
}
